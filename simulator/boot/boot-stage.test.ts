import { describe, expect, it } from 'vitest';
import {
  BootOutcome,
  FIRMWARE_WINDOW_ADDR,
  PRIMARY_SLOT_ADDR,
  SECONDARY_SLOT_ADDR,
  WINDOW_BOOT_RECORD,
  BOOT_RECORD_SIZE,
} from '../../protocol/image/flash-map.ts';
import { ImageCheck, IMAGE_HEADER_SIZE } from '../../protocol/image/image-constants.ts';
import { encodeHashed, appendTlvs, type ImageVersion } from '../../protocol/image/image.ts';
import { signImage } from '../../protocol/image/sign.ts';
import { testKey, tinyWasm } from '../../protocol/image/testing.ts';
import { BootError } from './boot-error.ts';
import type { BootImage } from './boot-sequence.ts';
import { decodeBootRecord } from './boot-record.ts';
import { BootRig } from './testing.ts';
import { readJournal, SwapType } from './journal.ts';

const key = testKey();
const stranger = testKey();
const v = (minor: number): ImageVersion => ({ major: 1, minor, revision: 0, build: 0 });
// Payloads of different sizes, so that swaps move several sectors of unequal images.
const v1 = signImage(
  { payload: tinyWasm(9000), version: v(1), securityCounter: 1 },
  key.privateKey,
);
const v2 = signImage(
  { payload: tinyWasm(5000), version: v(2), securityCounter: 2 },
  key.privateKey,
);
const v3 = signImage(
  { payload: tinyWasm(7000), version: v(3), securityCounter: 2 },
  key.privateKey,
);

function booted(r: unknown): BootImage {
  if (r instanceof BootError) throw r;
  if (r === undefined) throw new Error('the boot did not finish');
  return r as BootImage;
}

function rig(image = v1, seed = 1): BootRig {
  return new BootRig({ publicKey: key.publicKeyPem, factoryImage: image, seed });
}

function bootRecord(r: BootRig) {
  return decodeBootRecord(
    r.flash.data.subarray(
      FIRMWARE_WINDOW_ADDR + WINDOW_BOOT_RECORD,
      FIRMWARE_WINDOW_ADDR + WINDOW_BOOT_RECORD + BOOT_RECORD_SIZE,
    ),
  );
}

describe('boot stage', () => {
  it('starts the factory image, records it for the firmware, and writes nothing on the next boot', () => {
    const r = rig();
    const first = booted(r.boot());
    expect(first.header.version).toEqual(v(1));
    expect(first.wasm).toEqual(tinyWasm(9000));
    expect(first.outcome).toBe(BootOutcome.None);
    expect(first.storedSecurityCounter).toBe(1);
    const rec = bootRecord(r)!;
    expect(rec.version).toEqual(v(1));
    expect(rec.storedSecurityCounter).toBe(1);
    expect(rec.imageHash).toEqual(first.digest);
    const ops = r.ops;
    booted(r.boot());
    expect(r.ops).toBe(ops);
  });

  it('refuses to start anything from a blank part or a corrupted primary slot', () => {
    const blank = new BootRig({ publicKey: key.publicKeyPem });
    const e = blank.boot();
    expect(e).toBeInstanceOf(BootError);
    expect((e as BootError).code).toBe('no-bootable-image');
    const r = rig();
    r.flash.data[PRIMARY_SLOT_ADDR + IMAGE_HEADER_SIZE + 40] ^= 1;
    const t = r.boot() as BootError;
    expect(t.code).toBe('no-bootable-image');
    expect(t.imageError?.code).toBe('hash-mismatch');
  });

  it('test swap: the new image boots on trial, and is reverted at the next boot unless confirmed', () => {
    const r = rig();
    booted(r.boot());
    r.stage2(v2);
    r.stage.requestUpdate(false);
    r.settle();
    const trial = booted(r.boot());
    expect(trial.header.version).toEqual(v(2));
    expect(trial.outcome).toBe(BootOutcome.Trial);
    expect(trial.swapped).toBe(SwapType.Test);
    expect(bootRecord(r)!.outcome).toBe(BootOutcome.Trial);
    // The old image waits in the secondary slot.
    expect(r.flash.data.subarray(SECONDARY_SLOT_ADDR, SECONDARY_SLOT_ADDR + v1.length)).toEqual(v1);
    const back = booted(r.boot());
    expect(back.header.version).toEqual(v(1));
    expect(back.outcome).toBe(BootOutcome.Reverted);
    expect(back.storedSecurityCounter).toBe(1);
    expect(bootRecord(r)!.outcome).toBe(BootOutcome.Reverted);
  });

  it('a confirmed test image stays, raises the security counter, and the old one can never return', () => {
    const r = rig();
    booted(r.boot());
    r.stage2(v2);
    r.stage.requestUpdate(false);
    r.settle();
    booted(r.boot());
    r.stage.confirm();
    r.settle();
    const kept = booted(r.boot());
    expect(kept.header.version).toEqual(v(2));
    expect(kept.outcome).toBe(BootOutcome.Updated);
    expect(kept.storedSecurityCounter).toBe(2);
    // The secondary slot still holds v1 (counter 1): asking for it is a rollback.
    r.stage.requestUpdate(false);
    r.settle();
    const refused = booted(r.boot());
    expect(refused.header.version).toEqual(v(2));
    expect(refused.outcome).toBe(BootOutcome.Rejected);
    expect(refused.reason).toBe(ImageCheck.Rollback);
    expect(r.notes.join('\n')).toMatch(
      /update refused: security counter 1 is below the reader's 2/,
    );
    // An older version with the same counter is not a rollback (IMAGE.md, §E5).
    r.stage2(v3);
    r.stage.requestUpdate(true);
    r.settle();
    const perm = booted(r.boot());
    expect(perm.header.version).toEqual(v(3));
    expect(perm.outcome).toBe(BootOutcome.Updated);
  });

  it('refuses unsigned, tampered and wrong-key images in the secondary slot and keeps running', () => {
    const hashed = encodeHashed({ flags: 0, version: v(9), securityCounter: 9 }, tinyWasm(100));
    const tampered = v2.slice();
    tampered[IMAGE_HEADER_SIZE + 100] ^= 0x80;
    const cases: [Uint8Array, ImageCheck][] = [
      [appendTlvs(hashed, []), ImageCheck.Unsigned],
      [tampered, ImageCheck.HashMismatch],
      [
        signImage(
          { payload: tinyWasm(100), version: v(9), securityCounter: 9 },
          stranger.privateKey,
        ),
        ImageCheck.UnknownKey,
      ],
      [Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), ImageCheck.BadMagic],
    ];
    for (const [image, reason] of cases) {
      const r = rig();
      booted(r.boot());
      r.stage2(image);
      r.stage.requestUpdate(false);
      r.settle();
      const b = booted(r.boot());
      expect(b.header.version).toEqual(v(1));
      expect([b.outcome, b.reason]).toEqual([BootOutcome.Rejected, reason]);
      expect(bootRecord(r)!.reason).toBe(reason);
      // The request is gone: the next boot does not try again.
      const again = booted(r.boot());
      expect(again.swapped).toBeUndefined();
    }
  });

  it('keeps its state across many updates (the journal compacts) and confirms are idempotent', () => {
    const r = rig();
    booted(r.boot());
    let current = v1;
    for (let i = 0; i < 12; i++) {
      const next = signImage(
        { payload: tinyWasm(3000 + i * 2000), version: v(10 + i), securityCounter: 10 + i },
        key.privateKey,
      );
      r.stage2(next);
      r.stage.requestUpdate(false);
      r.stage.requestUpdate(false);
      r.settle();
      const b = booted(r.boot());
      expect(b.header.version).toEqual(v(10 + i));
      r.stage.confirm();
      r.stage.confirm();
      r.settle();
      const c = booted(r.boot());
      expect([c.outcome, c.storedSecurityCounter]).toEqual([BootOutcome.Updated, 10 + i]);
      current = next;
    }
    expect(r.flash.data.subarray(PRIMARY_SLOT_ADDR, PRIMARY_SLOT_ADDR + current.length)).toEqual(
      current,
    );
  });
});
