// The host's display and beeper escapes (DisplayClear, DisplayText, Beep) end to end on the real
// firmware.wasm in the simulator: text on the display model, tones on the beeper; refusals for
// bad requests; and the rule that keeps the secure-entry indicator trustworthy — the host never
// draws while a PIN entry runs, and never draws the lock (U+1F512) or a lock that passes for it.
import { describe, expect, it } from 'vitest';
import {
  CcidError,
  CommandStatus,
  DISPLAY_TEXT_MAX_BYTES,
  PcToRdr,
  RdrToPc,
  ReaderFeature,
  VendorCommand,
  VendorStatus,
  decodeVendorResponse,
  encodeVendorRequest,
  type VendorRequest,
} from '../../../protocol/index.ts';
import { FIRMWARE_WINDOW_SIZE } from '../../../protocol/image/flash-map.ts';
import { SECURE_ENTRY_CODEPOINT } from '../../hal-constants.ts';
import { bench, sscVerify, type Bench } from './e2e-kit.ts';

const LOCK = String.fromCodePoint(SECURE_ENTRY_CODEPOINT);
const MAGIC = [0x4b, 0x52];

/** A vendor escape's raw abData on `slot`: the vendor status, or the CCID bError if it failed. */
async function raw(b: Bench, command: number, payload: number[], slot = 0) {
  const a = await b.host.send({
    type: PcToRdr.Escape,
    slot,
    data: Uint8Array.from([...MAGIC, command, ...payload]),
  });
  if (a.type !== RdrToPc.Escape) throw new Error(`answer ${a.type}`);
  if (a.commandStatus === CommandStatus.Failed) return { ccidError: a.error };
  return { status: a.data[3] as VendorStatus };
}

async function ask(b: Bench, request: VendorRequest, slot = 0) {
  const a = await b.host.send({ type: PcToRdr.Escape, slot, data: encodeVendorRequest(request) });
  if (a.type !== RdrToPc.Escape) throw new Error(`answer ${a.type}`);
  if (a.commandStatus === CommandStatus.Failed) return { ccidError: a.error };
  return { status: decodeVendorResponse(a.data).status };
}

const text = (row: number, column: number, t: string): VendorRequest => ({
  command: VendorCommand.DisplayText,
  row,
  column,
  text: t,
});
const utf8 = (t: string) => [...Buffer.from(t, 'utf8')];
const rows = (b: Bench) => b.sim.reader.display.rows();
const idle = (b: Bench, ms: number) =>
  new Promise<void>((resolve) => b.sim.clientClock.setTimeout(resolve, ms));

async function reader(): Promise<Bench> {
  return bench(['ssc3:li-na'], { profile: 'native', flash: { size: FIRMWARE_WINDOW_SIZE } });
}

describe('display and beeper escapes (real firmware, simulator)', () => {
  it('HELLO reports them; the host writes, clears and beeps', async () => {
    const b = await reader();
    try {
      const hello = await b.host.send({
        type: PcToRdr.Escape,
        slot: 0,
        data: encodeVendorRequest({ command: VendorCommand.Hello }),
      });
      const h = hello.type === RdrToPc.Escape ? decodeVendorResponse(hello.data) : undefined;
      if (h?.command !== VendorCommand.Hello || h.status !== VendorStatus.Ok) throw new Error();
      expect(h.hello.features & (ReaderFeature.Display | ReaderFeature.Beeper)).toBe(
        ReaderFeature.Display | ReaderFeature.Beeper,
      );

      expect(await ask(b, text(0, 0, '请插卡'))).toEqual({ status: VendorStatus.Ok });
      expect(await ask(b, text(1, 4, 'Insert card'))).toEqual({ status: VendorStatus.Ok });
      expect(rows(b)).toEqual(['请插卡', '    Insert card']);
      // Past the end of the row the display cuts it.
      expect(await ask(b, text(1, 10, 'ABCDEFGHIJ'))).toEqual({ status: VendorStatus.Ok });
      expect(rows(b)[1]).toBe('    InsertABCDEF');
      expect(await ask(b, { command: VendorCommand.DisplayClear })).toEqual({
        status: VendorStatus.Ok,
      });
      expect(rows(b)).toEqual(['', '']);
      const beeps = b.sim.reader.beeps.length;
      expect(
        await ask(b, { command: VendorCommand.Beep, frequencyHz: 2700, durationMs: 100 }),
      ).toEqual({ status: VendorStatus.Ok });
      expect(b.sim.reader.beeps.slice(beeps).map((x) => [x.hz, x.ms])).toEqual([[2700, 100]]);
      expect(b.sim.reader.panics).toEqual([]);
    } finally {
      await b.stop();
    }
  });

  it('refuses bad requests and changes nothing', async () => {
    const b = await reader();
    try {
      expect(await ask(b, text(0, 0, 'kiosk'))).toEqual({ status: VendorStatus.Ok });
      const beeps = b.sim.reader.beeps.length;
      const cases: [number, number[], VendorStatus][] = [
        [VendorCommand.DisplayClear, [0], VendorStatus.BadLength],
        [VendorCommand.DisplayText, [0], VendorStatus.BadLength],
        [
          VendorCommand.DisplayText,
          [0, 0, ...new Array(DISPLAY_TEXT_MAX_BYTES + 1).fill(0x41)],
          VendorStatus.BadLength,
        ],
        [VendorCommand.DisplayText, [2, 0, 0x41], VendorStatus.BadParameter], // no row 2
        [VendorCommand.DisplayText, [0, 16, 0x41], VendorStatus.BadParameter], // no column 16
        [VendorCommand.DisplayText, [0, 0, 0xc0, 0x80], VendorStatus.BadParameter], // overlong NUL
        [VendorCommand.DisplayText, [0, 0, 0xe8, 0xaf], VendorStatus.BadParameter], // cut short
        [VendorCommand.DisplayText, [0, 0, 0x80], VendorStatus.BadParameter], // stray continuation
        [VendorCommand.DisplayText, [0, 0, 0xf5, 0x80, 0x80, 0x80], VendorStatus.BadParameter],
        [VendorCommand.DisplayText, [0, 0, 0x41, 0x0d, 0x42], VendorStatus.BadParameter], // CR
        [VendorCommand.DisplayText, [0, 0, 0xc2, 0x9b], VendorStatus.BadParameter], // C1 CSI
        [VendorCommand.Beep, [0xd0, 0x07, 0x64], VendorStatus.BadLength],
        [VendorCommand.Beep, [0x00, 0x00, 0x64, 0x00], VendorStatus.BadParameter], // 0 Hz
        [VendorCommand.Beep, [0x21, 0x4e, 0x64, 0x00], VendorStatus.BadParameter], // 20001 Hz
        [VendorCommand.Beep, [0xd0, 0x07, 0x00, 0x00], VendorStatus.BadParameter], // 0 ms
        [VendorCommand.Beep, [0xd0, 0x07, 0x89, 0x13], VendorStatus.BadParameter], // 5001 ms
      ];
      for (const [command, payload, status] of cases)
        expect(await raw(b, command, payload), JSON.stringify(payload)).toEqual({ status });
      expect(rows(b)).toEqual(['kiosk', '']);
      expect(b.sim.reader.beeps.length).toBe(beeps);
      expect(b.sim.reader.panics).toEqual([]);
    } finally {
      await b.stop();
    }
  });

  it('never draws the secure-entry indicator, nor a lock that passes for it', async () => {
    const b = await reader();
    try {
      // A holder waiting to type: the keypad starts when the indicator appears.
      b.sim.typeKeys('1 2 3 4 5 6 enter');
      for (const t of [
        LOCK,
        `请输入密码 ${LOCK}`,
        `${LOCK}\uFE0F`,
        '\u{1F510}',
        '\u{1F50F}',
        '\u{1F513}',
      ])
        expect(await ask(b, text(0, 0, t)), t).toEqual({ status: VendorStatus.NotAllowed });
      // The lock's surrogate pair in UTF-8 (CESU-8), which a lenient display would decode to it.
      expect(
        await raw(b, VendorCommand.DisplayText, [0, 0, 0xed, 0xa0, 0xbd, 0xed, 0xb4, 0x92]),
      ).toEqual({
        status: VendorStatus.BadParameter,
      });
      expect(rows(b)).toEqual(['', '']);
      expect(b.sim.reader.keypad.busy).toBe(false);
      expect(b.sim.reader.keypad.armedScripts).toBe(1);
      // A key is not a lock.
      expect(await ask(b, text(0, 0, '\u{1F511}'))).toEqual({ status: VendorStatus.Ok });
    } finally {
      await b.stop();
    }
  });

  it('during a PIN entry: Busy (or the busy slot), and the PIN pad keeps the display', async () => {
    const b = await reader();
    try {
      expect((await b.host.powerOn(0)).type).toBe(RdrToPc.DataBlock);
      const secure = b.host.send(sscVerify());
      await idle(b, 500);
      const prompt = rows(b);
      expect(prompt[0]).toContain(LOCK);
      const beeps = b.sim.reader.beeps.length;
      // Our escapes go to slot 0, busy with the entry: refused there by CCID.
      expect(await ask(b, text(0, 0, 'PIN OK'))).toEqual({ ccidError: CcidError.CmdSlotBusy });
      // Addressed to another slot they reach the vendor layer, which refuses them.
      const busy = { status: VendorStatus.Busy };
      expect(await ask(b, text(0, 0, 'PIN OK'), 1)).toEqual(busy);
      expect(await ask(b, text(1, 0, '****'), 2)).toEqual(busy);
      expect(await ask(b, { command: VendorCommand.DisplayClear }, 1)).toEqual(busy);
      expect(
        await ask(b, { command: VendorCommand.Beep, frequencyHz: 2700, durationMs: 100 }, 1),
      ).toEqual(busy);
      expect(rows(b)).toEqual(prompt);
      expect(b.sim.reader.beeps.length).toBe(beeps);
      // The entry ends (the holder cancels): the display is the host's again.
      b.sim.typeKeys('cancel');
      const ended = await secure;
      expect(ended.type === RdrToPc.DataBlock && ended.error).toBe(CcidError.PinCancelled);
      expect(await ask(b, text(0, 0, 'Thank you'))).toEqual({ status: VendorStatus.Ok });
    } finally {
      await b.stop();
    }
  });

  it('Beep answers NotAllowed when the beeper is switched off in the configuration', async () => {
    const b = await reader();
    try {
      const w = await b.host.send({
        type: PcToRdr.Escape,
        slot: 0,
        data: encodeVendorRequest({
          command: VendorCommand.ConfigWrite,
          config: { beeper: false },
        }),
      });
      expect(w.type === RdrToPc.Escape && w.data[3]).toBe(VendorStatus.Ok);
      // ConfigRead answers Busy until the settings are in flash.
      for (
        let i = 0;
        (await ask(b, { command: VendorCommand.ConfigRead, tags: [] })).status !== VendorStatus.Ok;
        i++
      ) {
        expect(i).toBeLessThan(100);
        await idle(b, 20);
      }
      const beeps = b.sim.reader.beeps.length;
      expect(
        await ask(b, { command: VendorCommand.Beep, frequencyHz: 2700, durationMs: 100 }),
      ).toEqual({ status: VendorStatus.NotAllowed });
      expect(b.sim.reader.beeps.length).toBe(beeps);
    } finally {
      await b.stop();
    }
  });
});
