#!/usr/bin/env node
// The package bin: runs host/cli/main.ts through tsx's loader, so the TypeScript sources need no
// build step. `npm run cli -- …` runs the same file with tsx directly.
import { register } from 'tsx/esm/api';

register();
await import('../host/cli/main.ts');
