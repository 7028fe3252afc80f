// Section 4 (service, issue 7): says in one line what it waits for until the service lands.
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
