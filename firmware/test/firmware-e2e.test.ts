// The whole firmware (CCID device + ISO 7816-3 layer) against a scripted T=0 card: the libccid
// start-up and APDU of ccid-over-serial §11.1 answered byte for byte in compat, time extensions
// while a slow card sends NULL procedure bytes, and the native profile at APDU level.
import { describe, expect, it } from 'vitest';
import {
  ChainLevel,
  ClockStatus,
  CommandStatus,
  IccStatus,
  PcToRdr,
  RdrToPc,
} from '../../protocol/ccid-constants.ts';
import {
  Profile,
  VendorCommand,
  VENDOR_MAGIC_0,
  VENDOR_MAGIC_1,
} from '../../protocol/native-constants.ts';
import { TIME_EXTENSION_INTERVAL_MS } from '../src/timing.ts';
import { frames, Host } from './harness.ts';
import { ScriptedCardHal } from './scripted-card.ts';
import { command, frame, hex, readHostStream, unhex } from './wire.ts';

/** The card of the §11.1 trace: ATR 3B 02 14 50 (T=0, no interface bytes, historical 14 50). */
const ATR = [0x3b, 0x02, 0x14, 0x50];
const SELECT_MF = [0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00];

const vendor = (cmd: number, ...payload: number[]) => [
  VENDOR_MAGIC_0,
  VENDOR_MAGIC_1,
  cmd,
  ...payload,
];
const echoOf = (hostFrame: Uint8Array) => {
  const header = hostFrame.slice(2, 12);
  header.fill(0, 1, 5);
  return frame(header);
};

for (const variant of ['debug', 'release'] as const) {
  describe(`whole firmware with a scripted card (${variant})`, () => {
    it('answers the §11.1 trace byte for byte: ATR, SetParameters T=0, SELECT → 90 00', async () => {
      const hal = new ScriptedCardHal();
      hal.insert(0, ATR, [
        { expect: SELECT_MF.slice(0, 5), reply: [0xa4] },
        { expect: SELECT_MF.slice(5), reply: [0x90, 0x00] },
      ]);
      await hal.load(variant);
      const exchange = (h: string) => {
        const bytes = unhex(h);
        hal.run(bytes);
        const out = hal.takeHostOut();
        expect(hex(out.slice(0, 13))).toBe(hex(echoOf(bytes)));
        return hex(out.slice(13));
      };
      expect(exchange('03 06 6B 03 00 00 00 00 01 00 00 00 01 01 01 6D')).toBe(
        '03 06 83 00 00 00 00 00 01 01 00 00 86',
      );
      // The trace's reader says bClockStatus 00 for an unpowered card; ours reports the clock
      // stopped (03, state unknown), which is what it is. pcscd ignores the field.
      const status = unhex(exchange('03 06 65 00 00 00 00 00 02 00 00 00 62'));
      expect(hex(status.slice(0, 11))).toBe('03 06 81 00 00 00 00 00 02 01 00');
      expect([ClockStatus.Running, ClockStatus.StoppedUnknown]).toContain(status[11]);
      expect(exchange('03 06 62 00 00 00 00 00 08 01 00 00 6E')).toBe(
        '03 06 80 04 00 00 00 00 08 00 00 00 3B 02 14 50 F4',
      );
      expect(exchange('03 06 61 05 00 00 00 00 36 00 00 00 11 00 00 0A 00 4C')).toBe(
        '03 06 82 05 00 00 00 00 36 00 00 00 11 00 00 0A 00 AF',
      );
      expect(exchange('03 06 6F 07 00 00 00 00 37 00 00 00 00 A4 04 00 02 3F 00 C7')).toBe(
        '03 06 80 02 00 00 00 00 37 00 00 00 90 00 20',
      );
      expect(hal.cardOut[0]).toEqual(SELECT_MF);
      expect(hal.panics).toEqual([]);
    });

    it('sends time extensions, each after its echo, while a slow card sends NULLs', async () => {
      const hal = new ScriptedCardHal();
      hal.insert(0, ATR, [
        { expect: SELECT_MF.slice(0, 5), reply: [0x60], later: [0x60, 0xa4] },
        { expect: SELECT_MF.slice(5), reply: [0x90, 0x00] },
      ]);
      await hal.load(variant);
      hal.run(frame(command({ type: PcToRdr.IccPowerOn, seq: 1, specific: [1, 0, 0] })));
      hal.takeHostOut();
      const xfr = { type: PcToRdr.XfrBlock, seq: 2, data: SELECT_MF };
      hal.run(frame(command(xfr)), 3 * TIME_EXTENSION_INTERVAL_MS);
      hal.release(0);
      hal.run([], 10);
      const out = frames(readHostStream(hal.takeHostOut()));
      const answers = out.filter((a) => a.type === RdrToPc.DataBlock);
      const extensions = answers.filter((a) => (a.status & 0xc0) === CommandStatus.TimeExtension);
      expect(extensions.length).toBeGreaterThanOrEqual(3);
      for (const te of extensions)
        expect([te.seq, te.status & 0x03, te.error > 0]).toEqual([
          2,
          IccStatus.PresentActive,
          true,
        ]);
      expect(hex(answers[answers.length - 1].data)).toBe('90 00');
      // compat: every answer frame follows its own short echo.
      expect(out.map((a) => a.type)).toEqual(
        answers.flatMap(() => [PcToRdr.XfrBlock, RdrToPc.DataBlock]),
      );
      expect(hal.panics).toEqual([]);
    });

    it('native: APDU level (case 4: 61xx followed by GET RESPONSE in the firmware), chained command, pushed slot change', async () => {
      const hal = new ScriptedCardHal();
      await hal.load(variant);
      const host = new Host(hal);
      host.send({ type: PcToRdr.Escape, data: vendor(VendorCommand.SetProfile, Profile.Native) });
      hal.insert(0, ATR, [
        { expect: SELECT_MF.slice(0, 5), reply: [0xa4] },
        { expect: SELECT_MF.slice(5), reply: [0x61, 0x04] },
        {
          expect: [0x00, 0xc0, 0x00, 0x00, 0x04],
          reply: [0xc0, 0x6f, 0x02, 0x84, 0x00, 0x90, 0x00],
        },
      ]);
      hal.exports.on_card_presence(0, 1);
      expect(host.take()).toEqual([{ kind: 'slot-change', state: 0b11 }]);
      hal.run(frame(command({ type: PcToRdr.IccPowerOn, seq: 1 })));
      expect(frames(host.take()).map((a) => [a.seq, a.status, hex(a.data)])).toEqual([
        [1, 0, '3B 02 14 50'],
      ]);
      // A case 4 SELECT (Le 00) in two chained parts; the R-APDU comes back whole.
      const select = [...SELECT_MF, 0x00];
      const parts = [select.slice(0, 3), select.slice(3)];
      hal.run(
        frame(
          command({
            type: PcToRdr.XfrBlock,
            seq: 2,
            specific: [0, ChainLevel.Begins, 0],
            data: parts[0],
          }),
        ),
      );
      expect(frames(host.take()).map((a) => [a.seq, a.specific])).toEqual([
        [2, ChainLevel.ContinueResponse],
      ]);
      hal.run(
        frame(
          command({
            type: PcToRdr.XfrBlock,
            seq: 3,
            specific: [0, ChainLevel.Ends, 0],
            data: parts[1],
          }),
        ),
      );
      expect(frames(host.take()).map((a) => [a.seq, a.status, a.specific, hex(a.data)])).toEqual([
        [3, 0, 0, '6F 02 84 00 90 00'],
      ]);
      hal.present[0] = 0;
      hal.exports.on_card_presence(0, 0);
      expect(host.take()).toEqual([{ kind: 'slot-change', state: 0b10 }]);
      expect(hal.panics).toEqual([]);
    });
  });
}
