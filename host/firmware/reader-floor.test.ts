// The rollback check against each reader's own floor: `fw flash` asks every reader for the
// security counter its boot stage stores (DeviceInfo SecurityCounter) and refuses, for that
// reader, an image signed below it before sending any of it — without the operator having to
// know the floor (--min-security-counter). A reader that does not report the counter is flashed
// as before (its boot stage still decides).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BootOutcome } from '../../protocol/image/flash-map.ts';
import { signImage } from '../../protocol/image/sign.ts';
import { testKey } from '../../protocol/image/testing.ts';
import { loadPublicKey } from '../../protocol/image/keys.ts';
import { VendorCommand, VendorStatus } from '../../protocol/native-constants.ts';
import { builtFirmwarePath } from '../../simulator/reader/firmware-image.ts';
import { startSimFleet } from '../cli/sim-fleet.ts';
import { flashAll } from './flash-all.ts';
import { Bench, flashKit, type FlashKit } from './testing/flash-kit.ts';
import { rigTarget } from './testing/rig-target.ts';

let kit: FlashKit;
beforeAll(async () => {
  kit = await flashKit();
});

describe("fw flash against each reader's stored security counter", () => {
  it('refuses an image below the floor the reader reports, having sent nothing of it', async () => {
    const bench = new Bench();
    // The factory image has counter 3: its first boot stores 3 (FLASH.md, boot sequence 5).
    const rig = bench.reader(kit, 'sim:1', kit.sign(1, 3));
    const target = rigTarget(rig);
    const options = { clock: bench.host, trustedKeys: [loadPublicKey(kit.key.publicKeyPem)] };
    const report = await bench.run(flashAll([target], kit.sign(2, 2), options));
    expect(report.ok).toBe(false);
    expect(report.readers[0]).toMatchObject({
      result: 'failed',
      bytesSent: 0,
      error: { code: 'image-refused' },
    });
    expect(report.readers[0].error?.message).toMatch(
      /security counter 2 is below the 3 the reader's boot stage stores/,
    );
    expect([...target.sent.keys()]).toEqual([VendorCommand.UpdateStatus, VendorCommand.DeviceInfo]);
    // At the floor it goes through.
    const ok = await bench.run(flashAll([target], kit.sign(2, 3), options));
    expect(ok.readers[0]).toMatchObject({ result: 'updated', running: '1.2.0' });
  });

  it('flashes a reader that does not report its floor as before (its boot stage decides)', async () => {
    const bench = new Bench();
    const rig = bench.reader(kit, 'sim:1', kit.sign(1, 3));
    const inner = rigTarget(rig);
    // Firmware without the tag: DeviceInfo is an unknown command to it.
    const old = {
      ...inner,
      escape: (bytes: Uint8Array) =>
        bytes[2] === VendorCommand.DeviceInfo
          ? Promise.resolve(Uint8Array.of(0x4b, 0x52, bytes[2], VendorStatus.UnknownCommand))
          : inner.escape(bytes),
    };
    const report = await bench.run(
      flashAll([old], kit.sign(2, 2), {
        clock: bench.host,
        trustedKeys: [loadPublicKey(kit.key.publicKeyPem)],
      }),
    );
    // Sent in full; the reader's own checks refuse it.
    expect(report.readers[0].result).toBe('failed');
    expect(report.readers[0].bytesSent).toBeGreaterThan(0);
    expect(inner.sent.get(VendorCommand.UpdateBegin)).toBe(1);
  });

  it('the real firmware under the boot stage reports its floor and last update; fw flash uses it', async () => {
    const wasm = readFileSync(builtFirmwarePath());
    const key = testKey();
    const sign = (minor: number, securityCounter: number) =>
      signImage(
        { payload: wasm, version: { major: 0, minor, revision: 0, build: 0 }, securityCounter },
        key.privateKey,
      );
    const fleet = await startSimFleet({
      count: 1,
      seed: 3,
      boot: { publicKey: key.publicKeyPem, factoryImage: sign(1, 4) },
    });
    try {
      const reader = fleet.readers[0];
      const target = fleet.targets[0];
      const info = await reader.deviceInfo();
      expect(info).toMatchObject({
        securityCounter: 4,
        lastUpdate: { outcome: BootOutcome.None, reason: 0 },
      });
      let sent = 0;
      const counted = {
        ...target,
        escape: (abData: Uint8Array, signal?: AbortSignal) => {
          if (abData[2] !== VendorCommand.UpdateStatus && abData[2] !== VendorCommand.DeviceInfo)
            sent++;
          return target.escape(abData, signal);
        },
      };
      const report = await flashAll([counted], sign(2, 3), {
        clock: target.clock!,
        trustedKeys: [key.publicKey],
      });
      expect(report.readers[0]).toMatchObject({
        result: 'failed',
        error: { code: 'image-refused' },
      });
      expect(sent).toBe(0);
      expect((await reader.deviceInfo()).securityCounter).toBe(4);
    } finally {
      await fleet.stop();
    }
  });
});
