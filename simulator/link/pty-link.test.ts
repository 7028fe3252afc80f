import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { NATIVE_PROTOCOL_VERSION, Profile, SlotKind, VendorStatus } from '../../protocol/index.ts';
import { LinkError } from '../errors.ts';
import { Simulation } from '../simulation.ts';
import { PtyLink } from './pty-link.ts';

const client = fileURLToPath(new URL('./testing/hello-client.ts', import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function runClient(path: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', client, path], (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

describe('PtyLink', () => {
  it('a separate process opens the pseudo-terminal with serialport and gets the firmware HELLO, twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-pty-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const sim = await Simulation.create({ seed: 1 });
    const path = join(dir, 'ttyReader');
    const link = await PtyLink.open(sim.reader, path);
    cleanups.push(() => link.close());
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path)).toMatch(/^\/dev\/pts\/\d+$/);
    const running = sim.run();
    cleanups.push(() => sim.stop());
    const lines = (await runClient(path))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    for (const reply of lines) {
      expect(reply).toMatchObject({
        status: VendorStatus.Ok,
        hello: {
          protocolVersion: NATIVE_PROTOCOL_VERSION,
          profile: Profile.Compat,
          slots: [SlotKind.User, SlotKind.Sam, SlotKind.Sam],
        },
      });
    }
    expect(sim.reader.panics).toEqual([]);
    await sim.stop();
    await running;
    await link.close();
    expect(existsSync(path)).toBe(false);
  });

  it('refuses to replace a file that is not a link, and replaces a stale link', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-pty-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const sim = await Simulation.create({ seed: 1 });
    await expect(PtyLink.open(sim.reader, dir)).rejects.toThrow(LinkError);
    const path = join(dir, 'tty');
    const first = await PtyLink.open(sim.reader, path);
    const device = first.device();
    // Simulate a simulator that died without cleaning up: the link stays, socat is killed.
    (first as unknown as { socat: { kill(s: string): void } }).socat.kill('SIGKILL');
    await new Promise((r) => setImmediate(r));
    const second = await PtyLink.open(sim.reader, path);
    cleanups.push(() => second.close());
    expect(second.device()).toMatch(/^\/dev\/pts\//);
    expect(typeof device).toBe('string');
  });
});
