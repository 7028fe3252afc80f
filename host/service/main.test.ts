// The real entry point, as a fresh clone runs it: `npm start` on a free port serves the kiosk
// page with the simulated reader; a bad config stops it with a clear message and exit code 2.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const started: ChildProcess[] = [];

afterEach(async () => {
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid!, 'SIGTERM'); // its own process group: npm, tsx, node
      await exited;
    }
  }
});

function run(command: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  started.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  return { child, output: () => output };
}

/** Resolves with the first match of `pattern` in the output, or rejects when the process ends. */
function waitFor(p: ReturnType<typeof run>, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const m = p.output().match(pattern);
      if (m) {
        cleanup();
        resolve(m);
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`exited with ${code} before ${pattern}:\n${p.output()}`));
    };
    const cleanup = (): void => {
      p.child.stdout!.off('data', check);
      p.child.stderr!.off('data', check);
      p.child.off('exit', onExit);
    };
    p.child.stdout!.on('data', check);
    p.child.stderr!.on('data', check);
    p.child.on('exit', onExit);
    check();
  });
}

describe('npm start', () => {
  it('serves the kiosk page with the simulated reader on a free port', async () => {
    const p = run('npm', ['start', '--', '--port', '0']);
    const [, url] = await waitFor(p, /kiosk page[^\n]*?(http:\/\/127\.0\.0\.1:\d+\/)/);
    expect(p.output()).toMatch(/reader panel[^\n]*\/panel/);
    expect(p.output()).toMatch(/readers: +sim \(simulated, attached\)/);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('请插入社会保障卡');
    const token = /name="kiosk-token" content="([^"]+)"/.exec(html)![1];
    // The page's token works from the page (its browser says same-origin), not from a program.
    const asProgram = await fetch(`${url}api/readers`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(asProgram.status).toBe(403);
    const readers = (await (
      await fetch(`${url}api/readers`, {
        headers: { authorization: `Bearer ${token}`, origin: url.replace(/\/$/, '') },
      })
    ).json()) as { id: string; state: string; simulated: boolean }[];
    expect(readers).toEqual([
      expect.objectContaining({ id: 'sim', state: 'attached', simulated: true }),
    ]);
    expect((await fetch(`${url}openapi.json`)).status).toBe(200);
    expect((await fetch(`${url}metrics`)).status).toBe(200);

    const exited = new Promise<string>((r) =>
      p.child.once('exit', (code, signal) => r(String(code ?? signal))),
    );
    process.kill(-p.child.pid!, 'SIGTERM');
    expect(await exited).toMatch(/^(0|SIGTERM)$/);
  });

  it('a bad config file: a clear message and exit code 2', async () => {
    const p = run(process.execPath, [
      '--import',
      'tsx',
      'host/service/main.ts',
      '--config',
      '/nonexistent/kiosk.json',
    ]);
    const code = await new Promise<number | null>((r) => p.child.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(p.output()).toContain(
      'kiosk-reader: config error: /nonexistent/kiosk.json: cannot read the config file',
    );
  });
});
