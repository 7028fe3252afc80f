// MCUboot's power-loss test (iso7816-and-ccid.md §E6) for the boot stage: one run per flash
// operation of a boot that swaps, with the power cut during that operation (torn, at its start
// and half-way); after every cut the reader must boot a signed image, and the update must either
// have happened or succeed when asked again.
import { describe, expect, it } from 'vitest';
import { BootOutcome } from '../../protocol/image/flash-map.ts';
import { type ImageVersion } from '../../protocol/image/image.ts';
import { signImage } from '../../protocol/image/sign.ts';
import { testKey, tinyWasm } from '../../protocol/image/testing.ts';
import { BootError } from './boot-error.ts';
import type { BootImage } from './boot-sequence.ts';
import { BootRig } from './testing.ts';

const key = testKey();
const v = (minor: number): ImageVersion => ({ major: 1, minor, revision: 0, build: 0 });
const v1 = signImage(
  { payload: tinyWasm(9000), version: v(1), securityCounter: 1 },
  key.privateKey,
);
const v2 = signImage(
  { payload: tinyWasm(6000), version: v(2), securityCounter: 2 },
  key.privateKey,
);

function booted(r: unknown, what: string): BootImage {
  if (r instanceof BootError) throw new Error(`${what}: ${r.message}`);
  if (r === undefined) throw new Error(`${what}: the boot did not finish`);
  return r as BootImage;
}

/** A reader running v1 with v2 staged and requested: the next boot swaps. */
function readyToSwap(seed: number): BootRig {
  const r = new BootRig({ publicKey: key.publicKeyPem, factoryImage: v1, seed });
  booted(r.boot(), 'first boot');
  r.stage2(v2);
  r.stage.requestUpdate(false);
  r.settle();
  return r;
}

/** Drives the reader to v2 confirmed from wherever it stands; returns the boots it took. */
function finishUpdate(r: BootRig, now: BootImage): number {
  let b = now;
  let boots = 0;
  if (b.header.version.minor === 1) {
    // The update did not happen or was reverted: run it again.
    r.stage2(v2);
    r.stage.requestUpdate(false);
    r.settle();
    b = booted(r.boot(), 'update again');
    boots++;
  }
  expect(b.header.version).toEqual(v(2));
  if (b.outcome === BootOutcome.Trial) {
    r.stage.confirm();
    r.settle();
  }
  b = booted(r.boot(), 'after confirm');
  expect([b.header.version, b.outcome, b.storedSecurityCounter]).toEqual([
    v(2),
    BootOutcome.Updated,
    2,
  ]);
  return boots + 1;
}

function countOps(run: (r: BootRig) => void): number {
  const r = readyToSwap(1);
  const before = r.ops;
  run(r);
  return r.ops - before;
}

describe('power cut after every flash operation of the boot stage', () => {
  const swapOps = countOps((r) => booted(r.boot(), 'swap'));
  const revertOps = countOps((r) => {
    booted(r.boot(), 'swap');
    booted(r.boot(), 'revert');
  });

  it('counts enough operations to cover the swap of both images', () => {
    // 3 sectors × 3 steps × (erase, write, record) at least.
    expect(swapOps).toBeGreaterThanOrEqual(27);
    expect(revertOps).toBeGreaterThan(swapOps);
  });

  for (const fraction of [0, 0.5]) {
    it(`test swap, cut ${fraction === 0 ? 'as' : 'half-way through'} each operation`, () => {
      for (let op = 1; op <= swapOps; op++) {
        const r = readyToSwap(op);
        r.planCut(op, fraction);
        expect(r.boot(), `op ${op}`).toBeUndefined(); // the power went out mid-boot
        const b = booted(r.boot(), `boot after cut ${op}`);
        expect([1, 2]).toContain(b.header.version.minor);
        if (b.header.version.minor === 2) expect(b.outcome).toBe(BootOutcome.Trial);
        finishUpdate(r, b);
      }
    });

    it(`revert swap, cut ${fraction === 0 ? 'as' : 'half-way through'} each operation`, () => {
      for (let op = 1; op <= revertOps - swapOps; op++) {
        const r = readyToSwap(op);
        booted(r.boot(), 'trial');
        r.planCut(op, fraction);
        expect(r.boot(), `op ${op}`).toBeUndefined();
        const b = booted(r.boot(), `boot after cut ${op}`);
        // The unconfirmed trial never survives: the revert resumes and v1 runs.
        expect([b.header.version, b.outcome]).toEqual([v(1), BootOutcome.Reverted]);
        finishUpdate(r, b);
      }
    });
  }

  it('a cut while boot_confirm is being recorded loses at most the trial, never the reader', () => {
    for (const fraction of [0, 0.5]) {
      const r = readyToSwap(7);
      booted(r.boot(), 'trial');
      r.planCut(1, fraction);
      r.stage.confirm();
      r.settle();
      const b = booted(r.boot(), 'after cut');
      expect([b.header.version, b.outcome]).toEqual([v(1), BootOutcome.Reverted]);
      finishUpdate(r, b);
    }
  });
});
