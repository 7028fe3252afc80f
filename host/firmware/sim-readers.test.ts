// `fw flash` and `provision` on three simulated readers that run the real firmware.wasm under the
// boot stage, reached through the driver's Reader (host/reader) over CCID in the serial framing,
// as a serial reader is: Reader.escapeRaw for the escapes, Reader.reconnect after the Reboot.
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BootOutcome } from '../../protocol/image/flash-map.ts';
import { loadPublicKey } from '../../protocol/image/keys.ts';
import { signImage } from '../../protocol/image/sign.ts';
import { testKey } from '../../protocol/image/testing.ts';
import { ReaderFeature } from '../../protocol/native-constants.ts';
import type { BootStage } from '../../simulator/boot/index.ts';
import { builtFirmwarePath } from '../../simulator/reader/firmware-image.ts';
import { startSimFleet } from '../cli/sim-fleet.ts';
import { fwProvision } from './commands.ts';
import { flashAll, formatFlashReport } from './flash-all.ts';
import { progressView } from './progress-view.ts';

describe('three simulated readers with the real firmware, through the driver', () => {
  it('one command updates all three with progress and a report, then provisions them', async () => {
    const wasm = readFileSync(builtFirmwarePath());
    const key = testKey();
    const sign = (minor: number, securityCounter: number) =>
      signImage(
        { payload: wasm, version: { major: 0, minor, revision: 0, build: 0 }, securityCounter },
        key.privateKey,
      );
    const stages: BootStage[] = [];
    const fleet = await startSimFleet({
      count: 3,
      seed: 1,
      boot: { publicKey: key.publicKeyPem, factoryImage: sign(1, 1) },
      created: (s, i) => (stages[i] = s),
    });
    try {
      for (const r of fleet.readers) {
        expect(r.capabilities?.profile).toBe('native');
        expect(r.capabilities!.hello!.features & ReaderFeature.FirmwareUpdate).toBe(
          ReaderFeature.FirmwareUpdate,
        );
      }
      const out = new PassThrough();
      let drawn = '';
      out.on('data', (c) => (drawn += c));
      const view = progressView(out, { noTTYOutput: true });
      const report = await flashAll(fleet.targets, sign(2, 2), {
        clock: fleet.sims[0].clientClock,
        trustedKeys: [loadPublicKey(key.publicKeyPem)],
        onProgress: (p) => view.update(p),
      });
      view.stop();
      expect(formatFlashReport(report)).toMatch(/3 reader\(s\): 3 updated, 0 up to date, 0 failed/);
      expect(report.readers.map((r) => [r.reader, r.from, r.running])).toEqual([
        ['sim:1', '0.1.0', '0.2.0'],
        ['sim:2', '0.1.0', '0.2.0'],
        ['sim:3', '0.1.0', '0.2.0'],
      ]);
      // The reboot was a reconnection the tool asked for, not a lost link it recovered from.
      for (const r of report.readers) expect([r.linkRetries, r.startedAt]).toEqual([0, [0]]);
      expect(drawn).toMatch(/sim:3 .*100% done/);
      for (const s of stages) expect(s.last).toMatchObject({ outcome: BootOutcome.Trial });
      // After the reboot the driver negotiated the native profile again.
      for (const r of fleet.readers)
        expect([r.state, r.capabilities?.profile]).toEqual(['attached', 'native']);
      const prov = await fwProvision({ serial: 'KR2400001', beeper: 'off' }, fleet.targets, {
        clock: fleet.sims[0].clientClock,
      });
      expect(prov.exitCode).toBe(0);
      expect(prov.text).toMatch(/sim:3 +provisioned serialNumber=KR2400003/);
      for (const s of fleet.sims) expect(s.reader.panics).toEqual([]);
    } finally {
      await fleet.stop();
    }
  });
});
