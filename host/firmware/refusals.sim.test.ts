// The refusal matrix on the real path: a simulated reader running the real firmware.wasm under
// the boot stage, reached through the driver's Reader (reader-target.ts). Unsigned, tampered,
// wrong-key and rollback images are refused by the tool before a single escape is sent; sent
// anyway (flashReader on its own skips the tool's check, as a careless or hostile tool would),
// the reader refuses each of them itself — its update agent at UpdateFinish, or its boot stage at
// the next boot — and keeps running the image it had.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BootOutcome } from '../../protocol/image/flash-map.ts';
import { IMAGE_HEADER_SIZE, ImageCheck, TlvType } from '../../protocol/image/image-constants.ts';
import { appendTlvs, encodeHashed, parseHeader } from '../../protocol/image/image.ts';
import { loadPublicKey } from '../../protocol/image/keys.ts';
import { sha256, signImage } from '../../protocol/image/sign.ts';
import { testKey } from '../../protocol/image/testing.ts';
import type { BootStage } from '../../simulator/boot/index.ts';
import { builtFirmwarePath } from '../../simulator/reader/firmware-image.ts';
import { startSimFleet, type SimFleet } from '../cli/sim-fleet.ts';
import { FirmwareToolError } from './errors.ts';
import { flashAll } from './flash-all.ts';
import { flashReader } from './flash-reader.ts';
import type { UpdateTarget } from './target.ts';

const wasm = readFileSync(builtFirmwarePath());
const key = testKey();
const stranger = testKey();
const version = (minor: number) => ({ major: 0, minor, revision: 0, build: 0 });
const sign = (minor: number, securityCounter: number, k = key) =>
  signImage({ payload: wasm, version: version(minor), securityCounter }, k.privateKey);

function unsigned(): Uint8Array {
  const hashed = encodeHashed({ flags: 0, version: version(3), securityCounter: 2 }, wasm);
  return appendTlvs(hashed, [{ type: TlvType.Sha256, value: sha256(hashed) }]);
}

function tampered(): Uint8Array {
  const image = sign(3, 2);
  image[IMAGE_HEADER_SIZE + 200] ^= 0x01;
  return image;
}

/** [name, image, the tool's ImageError code, floor the tool is told, what the reader does]. */
const MATRIX: [string, () => Uint8Array, string, number | undefined, string, ImageCheck?][] = [
  ['unsigned', unsigned, 'unsigned', undefined, 'reader-refused'],
  ['tampered', tampered, 'hash-mismatch', undefined, 'reader-refused'],
  [
    'wrong-key',
    () => sign(3, 2, stranger),
    'unknown-key',
    undefined,
    'boot-refused',
    ImageCheck.UnknownKey,
  ],
  // Security counter 1 is below the 2 the reader stores once it confirmed 0.2 (below).
  ['rollback', () => sign(3, 1), 'rollback', 2, 'reader-refused'],
];

let fleet: SimFleet;
let stage!: BootStage;
let sent = 0;
let target: UpdateTarget;

beforeAll(async () => {
  fleet = await startSimFleet({
    count: 1,
    seed: 5,
    boot: { publicKey: key.publicKeyPem, factoryImage: sign(1, 1) },
    created: (s) => (stage = s),
  });
  const base = fleet.targets[0];
  target = {
    name: base.name,
    clock: base.clock,
    get maxChunk() {
      return base.maxChunk;
    },
    escape: (abData, signal) => {
      sent++;
      return base.escape(abData, signal);
    },
    reconnect: (signal) => base.reconnect(signal),
  };
  // A genuine update first, so that the reader stores security counter 2.
  const report = await flashAll([target], sign(2, 2), {
    clock: base.clock!,
    trustedKeys: [key.publicKey],
  });
  expect(report.readers[0]).toMatchObject({ result: 'updated', running: '0.2.0' });
});
afterAll(() => fleet?.stop());

describe('unsigned, tampered, wrong-key and rollback images', () => {
  for (const [name, image, code, floor] of MATRIX) {
    it(`${name}: the tool refuses it before sending anything`, async () => {
      const before = sent;
      const e = await flashAll([target], image(), {
        clock: target.clock!,
        trustedKeys: [loadPublicKey(key.publicKeyPem)],
        minSecurityCounter: floor,
      }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(FirmwareToolError);
      expect([(e as FirmwareToolError).code, (e as FirmwareToolError).details.imageError]).toEqual([
        'image-refused',
        code,
      ]);
      expect(sent).toBe(before);
    });
  }

  for (const [name, image, , , refusedBy, check] of MATRIX) {
    it(`${name}: sent without the tool's check, the reader refuses it and keeps 0.2`, async () => {
      const bytes = image();
      const report = await flashReader(
        target,
        { bytes, header: parseHeader(bytes), sha256: sha256(bytes) },
        { clock: target.clock!, allowDowngrade: true },
      );
      expect(report).toMatchObject({ result: 'failed', error: { code: refusedBy } });
      if (refusedBy === 'boot-refused') {
        // The agent took it (structure and hash); the boot stage refused to swap it in.
        expect(report.running).toBe('0.2.0');
        expect(stage.last).toMatchObject({ outcome: BootOutcome.Rejected, reason: check });
      } else {
        // The agent refused it at UpdateFinish, after the transfer; nothing was rebooted.
        expect(report.error?.message).toMatch(/UpdateFinish answered BadImage/);
      }
      const status = await flashAll([target], sign(2, 2), {
        clock: target.clock!,
        trustedKeys: [key.publicKey],
      });
      expect(status.readers[0]).toMatchObject({ result: 'up-to-date', running: '0.2.0' });
      expect(fleet.sims[0].reader.panics).toEqual([]);
    });
  }
});
