// Entry point of `kiosk-reader` (bin/kiosk-reader.js) and `npm run cli -- …`.
import { processIo } from './io.ts';
import { run } from './program.ts';

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());
process.exitCode = await run(process.argv.slice(2), processIo(stop.signal));
