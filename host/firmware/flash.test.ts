// `fw flash` against readers that run the real update agent on the real flash model under the
// real boot stage (simulator/boot): three readers at once with progress and a report; refusals
// before anything is sent; the boot stage's refusals in any case; resume after a power cut; the
// revert of a build whose self-test fails.
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { BootOutcome } from '../../protocol/image/flash-map.ts';
import {
  IMAGE_HEADER_SIZE,
  ImageCheck,
  ImageFlag,
  TlvType,
} from '../../protocol/image/image-constants.ts';
import { appendTlvs, encodeHashed } from '../../protocol/image/image.ts';
import { sha256 } from '../../protocol/image/sign.ts';
import { testKey } from '../../protocol/image/testing.ts';
import { loadPublicKey } from '../../protocol/image/keys.ts';
import { VendorCommand } from '../../protocol/native-constants.ts';
import { FirmwareToolError } from './errors.ts';
import { flashAll, formatFlashReport, type FlashReport } from './flash-all.ts';
import type { FlashProgress } from './flash-reader.ts';
import { progressView } from './progress-view.ts';
import { Bench, flashKit, type FlashKit } from './testing/flash-kit.ts';
import { rigTarget } from './testing/rig-target.ts';

let kit: FlashKit;
beforeAll(async () => {
  kit = await flashKit();
});

const trusted = () => [loadPublicKey(kit.key.publicKeyPem)];

async function refusal(p: Promise<unknown>): Promise<FirmwareToolError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FirmwareToolError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('fw flash', () => {
  it('updates three readers at once, with progress, and reports each one', async () => {
    const bench = new Bench();
    const rigs = [1, 2, 3].map((i) => bench.reader(kit, `sim:${i}`, kit.sign(1, 1), i));
    const targets = rigs.map(rigTarget);
    const events: FlashProgress[] = [];
    const out = new PassThrough();
    let drawn = '';
    out.on('data', (c) => (drawn += c));
    const view = progressView(out, { noTTYOutput: true });
    const image = kit.sign(2, 2);
    const report: FlashReport = await bench.run(
      flashAll(targets, image, {
        clock: bench.host,
        trustedKeys: trusted(),
        onProgress: (p) => {
          events.push(p);
          view.update(p);
        },
      }),
    );
    view.stop();
    expect(report.ok).toBe(true);
    expect(report.readers.map((r) => [r.reader, r.result, r.from, r.running])).toEqual([
      ['sim:1', 'updated', '1.1.0', '1.2.0'],
      ['sim:2', 'updated', '1.1.0', '1.2.0'],
      ['sim:3', 'updated', '1.1.0', '1.2.0'],
    ]);
    for (const r of report.readers) expect([r.bytesSent, r.startedAt]).toEqual([image.length, [0]]);
    // Progress: per reader, bytes never go back and reach the whole image, ending in 'done'.
    for (const name of ['sim:1', 'sim:2', 'sim:3']) {
      const mine = events.filter((e) => e.reader === name);
      const sent = mine.map((e) => e.sent);
      expect(sent).toEqual([...sent].sort((a, b) => a - b));
      expect(mine.at(-1)).toEqual({
        reader: name,
        phase: 'done',
        sent: image.length,
        total: image.length,
      });
      expect(mine.map((e) => e.phase)).toEqual(
        expect.arrayContaining(['checking', 'sending', 'finishing', 'rebooting', 'verifying']),
      );
    }
    expect(drawn).toContain('sim:1');
    expect(drawn).toMatch(/100% done/);
    const text = formatFlashReport(report);
    expect(text).toMatch(/sim:2 +updated 1\.1\.0 → 1\.2\.0/);
    expect(text).toMatch(/3 reader\(s\): 3 updated, 0 up to date, 0 failed/);
    expect(JSON.parse(JSON.stringify(report)).readers).toHaveLength(3);
    // The readers confirmed the new image: it stays across a power cycle.
    for (const rig of rigs) {
      rig.powerCut();
      await bench.run(rig.whenRunning());
      expect(rig.lastBoot).toMatchObject({
        outcome: BootOutcome.Updated,
        storedSecurityCounter: 2,
      });
    }
  });

  it('refuses unsigned, tampered, wrong-key and rollback images before sending anything', async () => {
    const bench = new Bench();
    const rig = bench.reader(kit, 'sim:1', kit.sign(1, 3));
    const target = rigTarget(rig);
    const hashed = encodeHashed(
      { flags: 0, version: { major: 1, minor: 2, revision: 0, build: 0 }, securityCounter: 3 },
      kit.wasm,
    );
    const unsigned = appendTlvs(hashed, [{ type: TlvType.Sha256, value: sha256(hashed) }]);
    const tampered = kit.sign(2, 3);
    tampered[IMAGE_HEADER_SIZE + 64] ^= 0x10;
    const wrongKey = kit.sign(2, 3, 0, testKey().privateKey);
    const cases: [Uint8Array, string, number | undefined][] = [
      [unsigned, 'unsigned', undefined],
      [tampered, 'hash-mismatch', undefined],
      [wrongKey, 'unknown-key', undefined],
      [kit.sign(2, 2), 'rollback', 3],
    ];
    for (const [image, code, floor] of cases) {
      const e = await refusal(
        bench.run(
          flashAll([target], image, {
            clock: bench.host,
            trustedKeys: trusted(),
            minSecurityCounter: floor,
          }),
        ),
      );
      expect([e.code, e.details.imageError]).toEqual(['image-refused', code]);
      expect(e.message).toMatch(new RegExp(`^image refused before sending \\(${code}\\): `));
    }
    expect(target.sent.size).toBe(0);
  });

  it('refuses a downgrade after asking only UpdateStatus, unless allowed', async () => {
    const bench = new Bench();
    const rig = bench.reader(kit, 'sim:1', kit.sign(3, 1));
    const target = rigTarget(rig);
    const older = kit.sign(2, 1);
    const report = await bench.run(
      flashAll([target], older, { clock: bench.host, trustedKeys: trusted() }),
    );
    expect(report.readers[0]).toMatchObject({ result: 'failed', error: { code: 'downgrade' } });
    expect([...target.sent.keys()]).toEqual([VendorCommand.UpdateStatus]);
    // Allowed: same security counter, so the boot stage takes it (IMAGE.md, §E5).
    const again = await bench.run(
      flashAll([target], older, {
        clock: bench.host,
        trustedKeys: trusted(),
        allowDowngrade: true,
      }),
    );
    expect(again.readers[0]).toMatchObject({ result: 'updated', running: '1.2.0' });
  });

  it('leaves a reader that already runs the version alone', async () => {
    const bench = new Bench();
    const rig = bench.reader(kit, 'sim:1', kit.sign(2, 1));
    const target = rigTarget(rig);
    const report = await bench.run(
      flashAll([target], kit.sign(2, 1), { clock: bench.host, trustedKeys: trusted() }),
    );
    expect(report.readers[0]).toMatchObject({ result: 'up-to-date', running: '1.2.0' });
    expect(report.ok).toBe(true);
    expect(target.sent.get(VendorCommand.UpdateWrite)).toBeUndefined();
  });

  it('the boot stage refuses what a careless tool lets through (a key the reader does not trust)', async () => {
    const bench = new Bench();
    const rig = bench.reader(kit, 'sim:1', kit.sign(1, 1));
    const stranger = testKey();
    const image = kit.sign(2, 2, 0, stranger.privateKey);
    // This tool trusts the stranger's key too; the reader's boot stage does not.
    const report = await bench.run(
      flashAll([rigTarget(rig)], image, {
        clock: bench.host,
        trustedKeys: [...trusted(), stranger.publicKey],
      }),
    );
    expect(report.readers[0]).toMatchObject({
      result: 'failed',
      running: '1.1.0',
      error: { code: 'boot-refused' },
    });
    expect(rig.lastBoot).toMatchObject({
      outcome: BootOutcome.Rejected,
      reason: ImageCheck.UnknownKey,
    });
  });

  it('a build whose self-test fails is reverted on the next boot and reported', async () => {
    const bench = new Bench();
    const rig = bench.reader(kit, 'sim:1', kit.sign(1, 1));
    const report = await bench.run(
      flashAll([rigTarget(rig)], kit.sign(2, 2, ImageFlag.SelfTestFail), {
        clock: bench.host,
        trustedKeys: trusted(),
      }),
    );
    expect(report.readers[0]).toMatchObject({
      result: 'failed',
      running: '1.1.0',
      error: { code: 'boot-refused' },
    });
    expect(rig.lastBoot).toMatchObject({ outcome: BootOutcome.Reverted, storedSecurityCounter: 1 });
    expect(formatFlashReport(report)).toMatch(/FAILED \(boot-refused\)/);
  });

  it('resumes after a power cut in the middle of the transfer', async () => {
    const bench = new Bench();
    const rig = bench.reader(kit, 'sim:1', kit.sign(1, 1));
    // Flash operations of the transfer: journal erase, header, then erase/write/record per sector:
    // the 9th is the erase of the third sector, after two sectors were journaled.
    rig.planPowerCut(9, 0.5);
    const report = await bench.run(
      flashAll([rigTarget(rig)], kit.sign(2, 2), { clock: bench.host, trustedKeys: trusted() }),
    );
    expect(report.readers[0]).toMatchObject({ result: 'updated', running: '1.2.0' });
    expect(report.readers[0].linkRetries).toBeGreaterThanOrEqual(1);
    expect(report.readers[0].startedAt[0]).toBe(0);
    expect(report.readers[0].startedAt.at(-1)).toBe(8192);
    expect(formatFlashReport(report)).toMatch(/resumed at 8192/);
  });
});
