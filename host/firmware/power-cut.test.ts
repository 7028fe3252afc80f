// The power-cut matrix of a whole field update (MCUboot's sim, iso7816-and-ccid.md §E6): one run
// per flash operation of the update — the agent's writes and journal, the boot stage's swap and
// journal, the boot record, the confirmation — with the power cut at the start of that operation
// and half-way through it. After every cut the reader must boot a signed image, and the update
// must either complete (the tool reconnects and resumes by itself) or complete when run again.
import { beforeAll, describe, expect, it } from 'vitest';
import { BootOutcome } from '../../protocol/image/flash-map.ts';
import { loadPublicKey } from '../../protocol/image/keys.ts';
import { BootError } from '../../simulator/boot/boot-error.ts';
import { flashAll } from './flash-all.ts';
import { Bench, flashKit, type FlashKit } from './testing/flash-kit.ts';
import { rigTarget } from './testing/rig-target.ts';

let kit: FlashKit;
let v1: Uint8Array;
let v2: Uint8Array;
beforeAll(async () => {
  kit = await flashKit();
  v1 = kit.sign(1, 1);
  v2 = kit.sign(2, 2);
});

async function updateOnce(seed: number, cut?: { op: number; fraction: number }) {
  const bench = new Bench();
  const rig = bench.reader(kit, 'sim:1', v1, seed);
  const before = rig.flashOps;
  if (cut) rig.planPowerCut(cut.op, cut.fraction);
  const options = { clock: bench.host, trustedKeys: [loadPublicKey(kit.key.publicKeyPem)] };
  const first = await bench.run(flashAll([rigTarget(rig)], v2, options));
  await bench.idle(); // the confirmation lands
  const ops = rig.flashOps - before;
  let second;
  if (first.readers[0].result !== 'updated') {
    await bench.run(rig.whenRunning());
    second = await bench.run(flashAll([rigTarget(rig)], v2, options));
    await bench.idle();
  }
  // A power cycle later the new image is confirmed, and the counter is raised.
  rig.powerCut();
  await bench.run(rig.whenRunning());
  return { rig, first: first.readers[0], second: second?.readers[0], ops };
}

describe('power cut after every flash operation of an update', () => {
  let total = 0;
  beforeAll(async () => {
    total = (await updateOnce(1)).ops;
  });

  it('an update without cuts takes the agent, the swap and the confirmation', () => {
    // 3 sectors: transfer 2 + 3×3, swap 1 + 1 + 3×9 + 1, boot record 2, confirm 1.
    expect(total).toBeGreaterThanOrEqual(40);
  });

  for (const fraction of [0, 0.5]) {
    it(`cut ${fraction === 0 ? 'at the start of' : 'half-way through'} each operation`, async () => {
      const reruns: number[] = [];
      for (let op = 1; op <= total; op++) {
        const { rig, first, second } = await updateOnce(op, { op, fraction });
        const where = `cut in op ${op} of ${total}`;
        expect(rig.notes, where).toContain('power cut');
        // Every boot after the cut started a signed image; nothing ever trapped.
        expect(
          rig.bootResults.filter((b) => b instanceof BootError),
          where,
        ).toEqual([]);
        expect(rig.panics, where).toEqual([]);
        if (second) reruns.push(op);
        expect((second ?? first).result, where).toBe('updated');
        expect(rig.lastBoot, where).toMatchObject({
          outcome: BootOutcome.Updated,
          storedSecurityCounter: 2,
        });
      }
      // Only a cut after the swap and before the confirmation (the boot record, the confirm
      // record) costs the trial and a second run; every other cut resumes within the first run.
      expect(reruns.every((op) => op > total - 3)).toBe(true);
    });
  }
});
