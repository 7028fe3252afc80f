// Test support: the simulator as a separate process (`npm run sim -- --link pty:<path> …`),
// exposing the reader on a pseudo-terminal that serial-port software opens. Resolves once the
// simulator prints its `ready` line; stop() asks it to quit, then ends its process group.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(import.meta.dirname, '../../..');

export interface SimProcess {
  /** The pseudo-terminal path to open. */
  readonly path: string;
  readonly stderr: () => string;
  stop(): Promise<void>;
}

export async function startSimProcess(
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<SimProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-reader-pty-'));
  const path = join(dir, 'tty');
  const child: ChildProcess = spawn(
    'npm',
    ['run', '-s', 'sim', '--', '--link', `pty:${path}`, ...args],
    {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin!.end('quit\n');
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(
        () => rej(new Error(`simulator not ready in ${timeoutMs} ms: ${err}`)),
        timeoutMs,
      );
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (l) => {
        if (l.startsWith('ready ')) {
          clearTimeout(timer);
          res();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        rej(new Error(`simulator exited (${code}) before ready: ${err}`));
      });
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { path, stderr: () => err, stop };
}
