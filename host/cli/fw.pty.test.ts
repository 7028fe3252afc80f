// End to end through a pseudo-terminal: the simulator in its own process boots the real
// firmware.wasm through the simulated boot stage (`npm run sim -- --boot-key … --factory-image …`),
// and the installed CLI (bin/kiosk-reader.js, another process) updates it with `fw flash --port`
// through the real serialport package, then provisions it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtFirmwarePath } from '../../simulator/reader/firmware-image.ts';
import { fwKeygen, fwSign } from '../firmware/commands.ts';
import { startSimProcess, type SimProcess } from '../transport/testing/sim-process.ts';

const BIN = resolve(import.meta.dirname, '../../bin/kiosk-reader.js');

let dir: string;
let sim: SimProcess | undefined;
const at = (name: string) => join(dir, name);

async function bin(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kr-fw-pty-'));
  fwKeygen({ out: at('line') });
  const sign = (version: string, output: string) =>
    fwSign({
      input: builtFirmwarePath(),
      key: at('line.pem'),
      version,
      securityCounter: '1',
      output: at(output),
    });
  sign('0.1.0', 'v1.img');
  sign('0.2.0', 'v2.img');
  sim = await startSimProcess([
    '--boot-key',
    at('line.pub.pem'),
    '--factory-image',
    at('v1.img'),
    '--realtime',
  ]);
}, 120_000);

afterAll(async () => {
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('kiosk-reader fw flash --port on a simulated reader with a boot stage', () => {
  it('updates it, reports it, and provisions it', async () => {
    const port = sim!.path;
    const flash = await bin(
      'fw',
      'flash',
      at('v2.img'),
      '--key',
      at('line.pub.pem'),
      '--port',
      port,
      '--json',
    );
    expect(flash.code, flash.stderr).toBe(0);
    const report = JSON.parse(flash.stdout);
    expect(report).toMatchObject({ ok: true, image: { version: '0.2.0+0' } });
    expect(report.readers).toEqual([
      expect.objectContaining({
        reader: port,
        result: 'updated',
        from: '0.1.0',
        running: '0.2.0',
        linkRetries: 0,
        startedAt: [0],
      }),
    ]);
    // The progress bars went to stderr (not a terminal: lines), the JSON alone to stdout.
    expect(flash.stderr).toMatch(/100% done/);
    const again = await bin(
      'fw',
      'flash',
      at('v2.img'),
      '--key',
      at('line.pub.pem'),
      '--port',
      port,
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already runs 0\.2\.0/);
    const prov = await bin('provision', '--serial', 'KR2400100', '--beeper', 'off', '--port', port);
    expect(prov.code, prov.stderr).toBe(0);
    expect(prov.stdout).toMatch(/provisioned serialNumber=KR2400100 .*beeper=false/);
    const readers = await bin('readers', '--port', port, '--format', 'json');
    expect(JSON.parse(readers.stdout)[0]).toMatchObject({
      profile: 'native',
      serialNumber: 'KR2400100',
    });
    expect(sim!.stderr()).not.toMatch(/panic|error/);
  }, 240_000);
});
