// `--boot-key` and `--factory-image` checked before the simulator starts: what is missing, what
// excludes what, files that cannot be read, and a factory image the boot stage would not start.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signImage } from '../../protocol/image/sign.ts';
import { testKey, tinyWasm } from '../../protocol/image/testing.ts';
import { CommandError } from '../errors.ts';
import { bootStageFromOptions } from './boot-options.ts';

let dir: string;
const at = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kr-sim-boot-'));
  const key = testKey();
  const other = testKey();
  writeFileSync(at('key.pub.pem'), key.publicKeyPem);
  writeFileSync(at('not-a-key.pem'), 'hello');
  const version = { major: 1, minor: 0, revision: 0, build: 0 };
  writeFileSync(
    at('ok.img'),
    signImage({ payload: tinyWasm(), version, securityCounter: 1 }, key.privateKey),
  );
  writeFileSync(
    at('other.img'),
    signImage({ payload: tinyWasm(), version, securityCounter: 1 }, other.privateKey),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function refusal(o: Parameters<typeof bootStageFromOptions>[0]): string {
  try {
    bootStageFromOptions(o);
  } catch (e) {
    expect(e).toBeInstanceOf(CommandError);
    return (e as Error).message;
  }
  throw new Error('expected a CommandError');
}

describe('--boot-key and --factory-image', () => {
  it('make a boot stage factory; neither makes none', () => {
    expect(bootStageFromOptions({})).toBeUndefined();
    expect(
      bootStageFromOptions({ bootKey: at('key.pub.pem'), factoryImage: at('ok.img') }),
    ).toBeTypeOf('function');
    // A state folder may already hold an image.
    expect(bootStageFromOptions({ bootKey: at('key.pub.pem'), state: dir })).toBeTypeOf('function');
  });

  it('refuse what cannot work, before the simulator starts', () => {
    expect(refusal({ factoryImage: at('ok.img') })).toMatch(/needs --boot-key/);
    expect(refusal({ bootKey: at('key.pub.pem') })).toMatch(/needs --factory-image/);
    expect(
      refusal({ bootKey: at('key.pub.pem'), factoryImage: at('ok.img'), firmware: 'x.wasm' }),
    ).toMatch(/exclude each other/);
    expect(refusal({ bootKey: at('missing.pem'), factoryImage: at('ok.img') })).toMatch(
      /cannot read the boot key/,
    );
    expect(refusal({ bootKey: at('not-a-key.pem'), factoryImage: at('ok.img') })).toMatch(
      /not a PEM public key/,
    );
    expect(refusal({ bootKey: at('key.pub.pem'), factoryImage: at('missing.img') })).toMatch(
      /cannot read the factory image/,
    );
    expect(refusal({ bootKey: at('key.pub.pem'), factoryImage: at('other.img') })).toMatch(
      /would not boot: unknown-key/,
    );
  });
});
