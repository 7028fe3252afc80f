import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_HEADER_SIZE } from '../../protocol/image/image-constants.ts';
import { ImageError, KeyError } from '../../protocol/image/image-error.ts';
import {
  describeError,
  fwFlash,
  fwInfo,
  fwKeygen,
  fwProvision,
  fwSign,
  fwVerify,
} from './commands.ts';
import { FirmwareToolError } from './errors.ts';
import { nthSerial, parseSettings } from './provision.ts';
import { Bench, flashKit, type FlashKit } from './testing/flash-kit.ts';
import { rigTarget } from './testing/rig-target.ts';

let dir: string;
let kit: FlashKit;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kr-fw-'));
  kit = await flashKit();
  writeFileSync(join(dir, 'firmware.wasm'), kit.wasm);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = (name: string) => join(dir, name);

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('fw keygen, sign, verify, info', () => {
  it('keygen writes a private key only its owner can read, and never overwrites one', () => {
    const out = fwKeygen({ out: at('k1') });
    expect(statSync(at('k1.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(at('k1.pub.pem'), 'utf8')).toMatch(/BEGIN PUBLIC KEY/);
    expect(out.json).toMatchObject({ keyId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const e = thrown(() => fwKeygen({ out: at('k1') }));
    expect(e).toBeInstanceOf(FirmwareToolError);
    expect((e as FirmwareToolError).code).toBe('file');
    expect(fwKeygen({ out: at('k1'), force: true }).exitCode).toBe(0);
  });

  it('signs, shows and verifies an image; refuses the wrong key, tampering and rollback', () => {
    fwKeygen({ out: at('k2') });
    fwKeygen({ out: at('other') });
    const signed = fwSign({
      input: at('firmware.wasm'),
      key: at('k2.pem'),
      version: '2.1.0+7',
      securityCounter: '3',
      output: at('fw.img'),
    });
    expect(signed.text).toMatch(/version +2\.1\.0\+7/);
    const info = fwInfo({ image: at('fw.img') });
    expect(info.json).toMatchObject({
      version: '2.1.0+7',
      securityCounter: 3,
      signed: true,
      flags: [],
    });
    expect(fwVerify({ image: at('fw.img'), keys: [at('k2.pub.pem')] })).toMatchObject({
      exitCode: 0,
      json: { ok: true },
    });
    expect(fwVerify({ image: at('fw.img'), keys: [at('other.pub.pem')] })).toMatchObject({
      exitCode: 1,
      json: { ok: false, error: { code: 'unknown-key' } },
    });
    expect(
      fwVerify({ image: at('fw.img'), keys: [at('k2.pub.pem')], minSecurityCounter: '4' }).json,
    ).toMatchObject({
      error: { code: 'rollback' },
    });
    const bytes = readFileSync(at('fw.img'));
    bytes[IMAGE_HEADER_SIZE + 10] ^= 1;
    writeFileSync(at('tampered.img'), bytes);
    expect(fwVerify({ image: at('tampered.img'), keys: [at('k2.pub.pem')] }).text).toMatch(
      /^REFUSED \(hash-mismatch\)/,
    );
    const test = fwSign({
      input: at('firmware.wasm'),
      key: at('k2.pem'),
      version: '2.1.1',
      output: at('fail.img'),
      failSelfTest: true,
    });
    expect(test.json).toMatchObject({ flags: ['self-test-fail'], securityCounter: 0 });
  });

  it('refuses bad options and bad files with typed errors', () => {
    fwKeygen({ out: at('k3') });
    const sign = (over: Partial<Parameters<typeof fwSign>[0]>) =>
      thrown(() =>
        fwSign({
          input: at('firmware.wasm'),
          key: at('k3.pem'),
          version: '1.0.0',
          output: at('x.img'),
          ...over,
        }),
      );
    expect((sign({ version: '1.0' }) as FirmwareToolError).code).toBe('bad-option');
    expect((sign({ securityCounter: '-1' }) as FirmwareToolError).code).toBe('bad-option');
    expect((sign({ input: at('missing.wasm') }) as FirmwareToolError).code).toBe('file');
    expect(sign({ input: at('k3.pub.pem') })).toBeInstanceOf(ImageError); // not WebAssembly
    expect(sign({ key: at('k3.pub.pem') })).toBeInstanceOf(KeyError);
    chmodSync(at('k3.pem'), 0o644);
    expect((sign({}) as FirmwareToolError).message).toMatch(/readable by others/);
    expect(thrown(() => fwInfo({ image: at('firmware.wasm') }))).toBeInstanceOf(ImageError);
    expect(describeError(new ImageError('bad-magic', 'x'))).toEqual({
      message: 'image bad-magic: x',
      exitCode: 1,
    });
    expect(describeError(new Error('other'))).toBeUndefined();
  });
});

describe('fw flash and provision through the command functions', () => {
  it('flashes two readers and provisions them with consecutive serial numbers', async () => {
    fwKeygen({ out: at('k4') });
    const bench = new Bench();
    // The readers trust the key in k4.pub.pem: their factory image is signed with it.
    fwSign({
      input: at('firmware.wasm'),
      key: at('k4.pem'),
      version: '1.1.0',
      securityCounter: '1',
      output: at('v1.img'),
    });
    fwSign({
      input: at('firmware.wasm'),
      key: at('k4.pem'),
      version: '1.2.0',
      securityCounter: '1',
      output: at('v2.img'),
    });
    const k4 = {
      ...kit,
      key: { ...kit.key, publicKeyPem: readFileSync(at('k4.pub.pem'), 'utf8') },
    };
    const rigs = [1, 2].map((i) => bench.reader(k4, `sim:${i}`, readFileSync(at('v1.img')), i));
    const flash = await bench.run(
      fwFlash({ image: at('v2.img'), keys: [at('k4.pub.pem')] }, rigs.map(rigTarget), {
        clock: bench.host,
        progress: false,
      }),
    );
    expect(flash.exitCode).toBe(0);
    expect(flash.text).toMatch(/2 reader\(s\): 2 updated/);
    const prov = await bench.run(
      fwProvision(
        { serial: 'KR2400009', language: 'en', beeper: 'off', pinTimeout: '20' },
        rigs.map(rigTarget),
        { clock: bench.host },
      ),
    );
    expect(prov.exitCode).toBe(0);
    expect(prov.text).toMatch(
      /sim:1 +provisioned serialNumber=KR2400009 language=0x0409 beeper=false pinTimeout=20/,
    );
    expect(prov.text).toMatch(/sim:2 +provisioned serialNumber=KR2400010/);
  });

  it('parses provisioning options strictly', () => {
    expect(parseSettings({ language: 'zh-CN', timeExtension: '500' })).toEqual({
      language: 0x0804,
      timeExtensionInterval: 500,
    });
    for (const s of ['5', '120', '600'])
      expect(parseSettings({ exchangeLimit: s })).toEqual({ exchangeLimit: Number(s) });
    for (const bad of [
      { serial: 'a\tb' },
      { language: 'fr' },
      { beeper: 'yes' },
      { pinTimeout: '0' },
      { timeExtension: '20' },
      { exchangeLimit: '4' },
      { exchangeLimit: '601' },
      { exchangeLimit: '12.5' },
      { exchangeLimit: '' },
      { exchangeLimit: '1e2' },
      { exchangeLimit: '-60' },
      {},
    ])
      expect(() => parseSettings(bad)).toThrow(FirmwareToolError);
    expect(() => parseSettings({ exchangeLimit: '3' })).toThrow(
      /--exchange-limit: seconds, 5 to 600/,
    );
    expect(nthSerial('KR0099', 1)).toBe('KR0100');
    expect(() => nthSerial('KR99', 1)).toThrow(/digits run out/);
    expect(() => nthSerial('KR', 1)).toThrow(/must end in digits/);
  });
});
