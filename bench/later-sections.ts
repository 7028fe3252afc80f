// Sections 4 (service, issue 7) and 5 (flashing, issue 8): each says in one line what it waits
// for until the part it measures has landed.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { skipped, type SectionResult } from './report/figure.ts';
import { ROOT } from './host/processes.ts';

function files(dir: string): string[] {
  const path = join(ROOT, dir);
  return existsSync(path) ? readdirSync(path) : [];
}

export async function serviceSection(): Promise<SectionResult> {
  const title = '4. Service';
  const landed = files('host/service').some((f) => f !== 'main.ts' && f.endsWith('.ts'));
  return skipped(
    'service',
    title,
    landed
      ? 'the service has begun to land (host/service); its benchmark (HTTP over in-process p50/p99, 50 WebSocket clients) is not written yet'
      : 'the local HTTP + WebSocket service (issue 7) has not landed: host/service has no API yet',
  );
}

export async function flashingSection(): Promise<SectionResult> {
  const title = '5. Flashing';
  const tool = files('host/cli').some((f) => /flash|update|fw/i.test(f));
  return skipped(
    'flashing',
    title,
    tool
      ? 'the flashing tool has begun to land (host/cli); its benchmark is not written yet'
      : 'the host flashing tool (issue 8, `fw flash`) has not landed: nothing to time over the USB link yet',
  );
}
