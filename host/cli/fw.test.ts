// `kiosk-reader fw …` and `provision` in process (run()), against simulated readers that run the
// real firmware.wasm under the simulated boot stage (--all-sim): keys and images made by the CLI
// itself, one command updating three readers with progress and a report, the refusals before
// sending, the boot stage's refusal of what a careless tool lets through, the revert of a build
// whose self-test fails, and provisioning.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_HEADER_SIZE, TlvType } from '../../protocol/image/image-constants.ts';
import { appendTlvs, encodeHashed } from '../../protocol/image/image.ts';
import { sha256 } from '../../protocol/image/sign.ts';
import { builtFirmwarePath } from '../../simulator/reader/firmware-image.ts';
import { run } from './program.ts';

let dir: string;
const at = (name: string) => join(dir, name);

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await run(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

async function ok(...argv: string[]) {
  const r = await cli(...argv);
  expect(r.err, argv.join(' ')).toBe('');
  expect(r.code, argv.join(' ')).toBe(0);
  return r;
}

const sign = (version: string, counter: number, name: string, ...more: string[]) =>
  ok(
    'fw',
    'sign',
    builtFirmwarePath(),
    '--key',
    at('line.pem'),
    '--version',
    version,
    '--security-counter',
    String(counter),
    '-o',
    at(name),
    ...more,
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kr-cli-fw-'));
  await ok('fw', 'keygen', at('line'));
  await ok('fw', 'keygen', at('stranger'));
  await sign('0.1.0', 1, 'v1.img');
  await sign('0.2.0', 2, 'v2.img');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kiosk-reader fw', () => {
  it('keygen, sign, info and verify, as text and JSON', async () => {
    const info = await ok('fw', 'info', at('v2.img'), '--json');
    expect(JSON.parse(info.out)).toMatchObject({ version: '0.2.0+0', securityCounter: 2 });
    const verify = await ok('fw', 'verify', at('v2.img'), '--key', at('line.pub.pem'));
    expect(verify.out).toMatch(/^OK\nversion +0\.2\.0/);
    const wrong = await cli('fw', 'verify', at('v2.img'), '--key', at('stranger.pub.pem'));
    expect(wrong).toMatchObject({ code: 1, err: '' });
    expect(wrong.out).toMatch(/^REFUSED \(unknown-key\)/);
    const again = await cli('fw', 'keygen', at('line'));
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/^error: file: .*line\.pem exists/);
    const bad = await cli(
      'fw',
      'sign',
      builtFirmwarePath(),
      '--key',
      at('line.pem'),
      '-o',
      at('x'),
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--version/);
  });

  it('--help documents the commands and their options', async () => {
    const fw = await cli('fw', '--help');
    expect(fw.code).toBe(0);
    expect(fw.out).toMatch(
      /fw flash <image> --key <public\.pem>… \[--port <path>… \| --all \| --all-sim N\]/,
    );
    const flash = await cli('fw', 'flash', '--help');
    for (const option of [
      '--key',
      '--port',
      '--all',
      '--all-sim',
      '--factory-image',
      '--boot-key',
      '--allow-downgrade',
      '--force',
      '--json',
      '--no-progress',
    ])
      expect(flash.out).toContain(option);
    const provision = await cli('provision', '--help');
    for (const option of [
      '--serial',
      '--language',
      '--beeper',
      '--pin-timeout',
      '--time-extension',
      '--exchange-limit',
      '--all-sim',
    ])
      expect(provision.out).toContain(option);
  });

  it('one command updates three simulated readers with progress and a report', async () => {
    const r = await cli(
      'fw',
      'flash',
      at('v2.img'),
      '--key',
      at('line.pub.pem'),
      '--all-sim',
      '3',
      '--factory-image',
      at('v1.img'),
    );
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(
      /^image 0\.2\.0\+0 \(security counter 2, \d+ bytes, key [0-9a-f]{16}\)$/,
    );
    expect(lines.slice(1, 4)).toEqual([
      expect.stringMatching(/^sim:1 +updated 0\.1\.0 → 0\.2\.0, \d+ bytes  \[\d+\.\d s\]$/),
      expect.stringMatching(/^sim:2 +updated 0\.1\.0 → 0\.2\.0/),
      expect.stringMatching(/^sim:3 +updated 0\.1\.0 → 0\.2\.0/),
    ]);
    expect(lines[4]).toBe('3 reader(s): 3 updated, 0 up to date, 0 failed');
    // The progress bars on stderr: every reader reaches 100 %.
    for (const name of ['sim:1', 'sim:2', 'sim:3'])
      expect(r.err).toMatch(new RegExp(`${name} +\\|[█░]+\\| 100% done`));
    expect(r.err).not.toMatch(/error|warning/);
  });

  it('--json prints the report as one JSON document', async () => {
    const r = await cli(
      'fw',
      'flash',
      at('v2.img'),
      '--key',
      at('line.pub.pem'),
      '--all-sim',
      '2',
      '--factory-image',
      at('v1.img'),
      '--json',
      '--no-progress',
    );
    expect([r.code, r.err]).toEqual([0, '']);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ ok: true, image: { version: '0.2.0+0', securityCounter: 2 } });
    expect(
      report.readers.map((x: { reader: string; result: string; running: string }) => [
        x.reader,
        x.result,
        x.running,
      ]),
    ).toEqual([
      ['sim:1', 'updated', '0.2.0'],
      ['sim:2', 'updated', '0.2.0'],
    ]);
  });

  it('refuses unsigned, tampered, wrong-key and rollback images before any reader is started', async () => {
    const v2 = readFileSync(at('v2.img'));
    const tampered = Uint8Array.from(v2);
    tampered[IMAGE_HEADER_SIZE + 100] ^= 0x01;
    writeFileSync(at('tampered.img'), tampered);
    const hashed = encodeHashed(
      { flags: 0, version: { major: 0, minor: 3, revision: 0, build: 0 }, securityCounter: 3 },
      readFileSync(builtFirmwarePath()),
    );
    writeFileSync(
      at('unsigned.img'),
      appendTlvs(hashed, [{ type: TlvType.Sha256, value: sha256(hashed) }]),
    );
    await ok(
      'fw',
      'sign',
      builtFirmwarePath(),
      '--key',
      at('stranger.pem'),
      '--version',
      '0.3.0',
      '-o',
      at('stranger.img'),
    );
    const cases: [string, string, string[]][] = [
      ['unsigned.img', 'unsigned', []],
      ['tampered.img', 'hash-mismatch', []],
      ['stranger.img', 'unknown-key', []],
      ['v1.img', 'rollback', ['--min-security-counter', '2']],
    ];
    for (const [image, why, more] of cases) {
      const r = await cli(
        'fw',
        'flash',
        at(image),
        '--key',
        at('line.pub.pem'),
        '--all-sim',
        '1',
        '--factory-image',
        at('v2.img'),
        ...more,
      );
      expect([r.code, r.out], image).toEqual([1, '']);
      expect(r.err, image).toMatch(
        new RegExp(`^error: image-refused: image refused before sending \\(${why}\\): `),
      );
      // No reader was started, so nothing was drawn.
      expect(r.err, image).not.toMatch(/sim:1/);
    }
  });

  it("the readers' boot stage refuses what a careless tool lets through, and reverts a build that fails its self-test", async () => {
    // The tool is told to trust the stranger's key too; the readers' boot stage does not.
    await ok(
      'fw',
      'sign',
      builtFirmwarePath(),
      '--key',
      at('stranger.pem'),
      '--version',
      '0.2.0',
      '--security-counter',
      '2',
      '-o',
      at('stranger-0.2.img'),
    );
    const refused = await cli(
      'fw',
      'flash',
      at('stranger-0.2.img'),
      '--key',
      at('stranger.pub.pem'),
      '--key',
      at('line.pub.pem'),
      '--boot-key',
      at('line.pub.pem'),
      '--all-sim',
      '1',
      '--factory-image',
      at('v1.img'),
      '--no-progress',
    );
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(
      /sim:1 +FAILED \(boot-refused\): sim:1: the boot stage refused or reverted 0\.2\.0\+0; it runs 0\.1\.0/,
    );
    // A rollback image the tool was not told to refuse (no --min-security-counter): the tool asks
    // the reader for its stored security counter (DeviceInfo) and refuses before sending. That the
    // reader itself refuses it when sent anyway is shown in host/firmware/refusals.sim.test.ts.
    const rollback = await cli(
      'fw',
      'flash',
      at('v1.img'),
      '--key',
      at('line.pub.pem'),
      '--all-sim',
      '1',
      '--factory-image',
      at('v2.img'),
      '--allow-downgrade',
      '--no-progress',
    );
    expect(rollback.code).toBe(1);
    expect(rollback.out).toMatch(
      /sim:1 +FAILED \(image-refused\): .*image refused before sending \(rollback\)/,
    );
    await sign('0.2.1', 2, 'fails.img', '--fail-self-test');
    const reverted = await cli(
      'fw',
      'flash',
      at('fails.img'),
      '--key',
      at('line.pub.pem'),
      '--all-sim',
      '1',
      '--factory-image',
      at('v1.img'),
      '--no-progress',
    );
    expect(reverted.code).toBe(1);
    expect(reverted.out).toMatch(/sim:1 +FAILED \(boot-refused\): .* it runs 0\.1\.0/);
  });

  it('provision writes consecutive serial numbers into three simulated readers', async () => {
    const r = await ok(
      'provision',
      '--serial',
      'KR2400007',
      '--language',
      'en',
      '--beeper',
      'off',
      '--all-sim',
      '3',
    );
    const lines = r.out.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /^sim:1 +provisioned serialNumber=KR2400007 language=0x0409 beeper=false pinTimeout=30 /,
      ),
      expect.stringMatching(/^sim:2 +provisioned serialNumber=KR2400008 /),
      expect.stringMatching(/^sim:3 +provisioned serialNumber=KR2400009 /),
    ]);
  });

  it('provision --exchange-limit sets the whole-exchange limit, read back; out of 5-600 is a usage error', async () => {
    const r = await ok('provision', '--exchange-limit', '120', '--all-sim', '1');
    expect(r.out.trim()).toMatch(/^sim:1 +provisioned .*exchangeLimit=120$/);
    for (const bad of ['4', '601', '90s']) {
      const refused = await cli('provision', '--exchange-limit', bad, '--all-sim', '1');
      expect(refused.code, bad).toBe(2);
      expect(refused.err).toMatch(/--exchange-limit: seconds, 5 to 600/);
    }
  });

  it('usage errors exit 2 with a message', async () => {
    const both = await cli(
      'fw',
      'flash',
      at('v2.img'),
      '--key',
      at('line.pub.pem'),
      '--all',
      '--all-sim',
      '2',
    );
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/exclude each other/);
    const noFactory = await cli(
      'fw',
      'flash',
      at('v2.img'),
      '--key',
      at('line.pub.pem'),
      '--all-sim',
      '2',
    );
    expect(noFactory.code).toBe(2);
    expect(noFactory.err).toMatch(/--factory-image/);
    const stray = await cli(
      'fw',
      'flash',
      at('v2.img'),
      '--key',
      at('line.pub.pem'),
      '--port',
      '/dev/x',
      '--factory-image',
      at('v1.img'),
    );
    expect(stray.code).toBe(2);
    expect(stray.err).toMatch(/add --all-sim/);
    const noKey = await cli(
      'fw',
      'flash',
      at('v2.img'),
      '--all-sim',
      '1',
      '--factory-image',
      at('v1.img'),
    );
    expect(noKey.code).toBe(2);
    expect(noKey.err).toMatch(/--key/);
    const nothing = await cli('provision', '--all-sim', '1');
    expect(nothing.code).toBe(2);
    expect(nothing.err).toMatch(/nothing to write/);
    const missing = await cli('fw', 'info', at('missing.img'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^error: file: cannot read the image/);
  });

  it('a port where no reader answers exits 3', async () => {
    const r = await cli(
      'fw',
      'flash',
      at('v2.img'),
      '--key',
      at('line.pub.pem'),
      '--port',
      '/dev/does-not-exist-kiosk',
      '--wait',
      '300',
    );
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/^error: no reader on \/dev\/does-not-exist-kiosk/);
  });
});
