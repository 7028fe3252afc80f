// `kiosk-reader watch --sim` in process: it prints the reader and the cards already in place,
// then runs until its signal ends it (SIGINT in the real CLI). The simulated reader follows the
// wall clock here, so the test waits for lines, not for time.
import { describe, expect, it } from 'vitest';
import { run } from './program.ts';

describe('kiosk-reader watch --sim', () => {
  it('prints reader-attached and card-inserted as JSON lines, and exits 0 when stopped', async () => {
    const stop = new AbortController();
    const lines: unknown[] = [];
    let err = '';
    let buffer = '';
    let exit!: Promise<number>;
    const seen = new Promise<void>((resolve) => {
      const io = {
        stdout: (t: string) => {
          buffer += t;
          for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
            lines.push(JSON.parse(buffer.slice(0, i)));
            buffer = buffer.slice(i + 1);
          }
          if (lines.length >= 3) resolve();
        },
        stderr: (t: string) => (err += t),
        signal: stop.signal,
      };
      exit = run(['watch', '--sim', '--card', 'ssc3', '--sam', 'psam', '--format', 'json'], io);
    });
    await seen;
    stop.abort();
    expect(await exit).toBe(0);
    expect(err).toBe('');
    expect(lines).toEqual([
      { event: 'reader-attached', reader: 'sim:embedded', profile: 'native' },
      { event: 'card-inserted', reader: 'sim:embedded', slot: 0, kind: 'user' },
      { event: 'card-inserted', reader: 'sim:embedded', slot: 1, kind: 'sam' },
    ]);
  });
});
