// The firmware's host link in libccid's serial framing (ccid-over-serial §2), on both builds:
// the native-profile hello through the framing (issue 2), NAK on a bad frame, resynchronisation
// after garbage, the partial-frame timeout, the profile's maximum message, and random bytes in
// random chunks that never trap.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CcidError, CommandStatus, PcToRdr, RdrToPc } from '../../protocol/ccid-constants.ts';
import {
  NATIVE_PROTOCOL_VERSION,
  Profile,
  ReaderFeature,
  SlotKind,
  VendorCommand,
  VendorStatus,
  VENDOR_MAGIC_0,
  VENDOR_MAGIC_1,
} from '../../protocol/native-constants.ts';
import {
  COMPAT_MAX_MESSAGE_LENGTH,
  MAX_APDU_DATA,
  NATIVE_MAX_MESSAGE_LENGTH,
} from '../../protocol/serial-constants.ts';
import { DISPLAY_COLUMNS, DISPLAY_ROWS, SLOT_COUNT, USER_SLOT } from '../hal-constants.ts';
import { TIMER_HOST_FRAME } from '../src/timers.ts';
import { HOST_FRAME_TIMEOUT_MS } from '../src/timing.ts';
import { FIRMWARE_MAJOR, FIRMWARE_MINOR, FIRMWARE_NAME, FIRMWARE_PATCH } from '../src/version.ts';
import type { HelloInfo } from '../../protocol/native/hello.ts';
import { frames, loadFirmware, type Host } from './harness.ts';
import { command, frame, hex, type Answer, type Item } from './wire.ts';

const vendor = (cmd: number, ...payload: number[]) => [
  VENDOR_MAGIC_0,
  VENDOR_MAGIC_1,
  cmd,
  ...payload,
];
const nak = { kind: 'nak' };

function setProfile(host: Host, profile: Profile, seq = 0x7e): Item[] {
  return host.send({ type: PcToRdr.Escape, seq, data: vendor(VendorCommand.SetProfile, profile) });
}

/** The HELLO reply, read by protocol/'s vendor codec. */
function helloOf(a: Answer): HelloInfo {
  const v = a.vendor;
  if (!v || v.command !== VendorCommand.Hello || v.status !== VendorStatus.Ok) {
    throw new Error(`not a HELLO reply: ${hex(a.data)}`);
  }
  return (v as { hello: HelloInfo }).hello;
}

for (const variant of ['debug', 'release'] as const) {
  describe(`host framing (${variant} build)`, () => {
    it('native-profile hello through the framing', async () => {
      const { hal, host } = await loadFirmware(variant);
      // Compat at start: the SetProfile answer still follows a short echo.
      const switched = frames(setProfile(host, Profile.Native));
      expect(switched.map((a) => [a.type, a.length])).toEqual([
        [PcToRdr.Escape, 0],
        [RdrToPc.Escape, 5],
      ]);
      expect(hex(switched[1].data)).toBe(
        hex([...vendor(VendorCommand.SetProfile, VendorStatus.Ok), Profile.Native]),
      );

      // Native: no echo; one RDR_to_PC_Escape with the HELLO layout.
      const out = frames(
        host.send({ type: PcToRdr.Escape, seq: 0x42, data: vendor(VendorCommand.Hello, 1) }),
      );
      expect(out).toHaveLength(1);
      const a = out[0];
      expect([a.type, a.slot, a.seq, a.status & 0xc0]).toEqual([
        RdrToPc.Escape,
        0,
        0x42,
        CommandStatus.Ok,
      ]);
      expect(hex(a.data.slice(0, 4))).toBe(hex(vendor(VendorCommand.Hello, VendorStatus.Ok)));
      expect(helloOf(a)).toEqual({
        protocolVersion: NATIVE_PROTOCOL_VERSION,
        profile: Profile.Native,
        firmware: { major: FIRMWARE_MAJOR, minor: FIRMWARE_MINOR, patch: FIRMWARE_PATCH },
        features:
          ReaderFeature.PinVerify |
          ReaderFeature.PinModify |
          ReaderFeature.Display |
          ReaderFeature.Beeper |
          ReaderFeature.Keypad |
          ReaderFeature.ExtendedApdu |
          ReaderFeature.PushedSlotChange |
          ReaderFeature.Diagnostics |
          ReaderFeature.FirmwareUpdate,
        maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH,
        maxApduData: MAX_APDU_DATA,
        displayRows: DISPLAY_ROWS,
        displayColumns: DISPLAY_COLUMNS,
        slots: Array.from({ length: SLOT_COUNT }, (_, s) =>
          s === USER_SLOT ? SlotKind.User : SlotKind.Sam,
        ),
        serialNumber: Buffer.from(hal.uid).toString('hex').toUpperCase(),
      });
      expect(FIRMWARE_NAME).toBe(
        `kiosk-reader ${FIRMWARE_MAJOR}.${FIRMWARE_MINOR}.${FIRMWARE_PATCH}`,
      );
      expect(hal.panics).toEqual([]);
    });

    it('HELLO in compat reports the compat profile, after a short echo', async () => {
      const { host } = await loadFirmware(variant);
      const out = frames(
        host.send({ type: PcToRdr.Escape, seq: 1, data: vendor(VendorCommand.Hello) }),
      );
      expect(out.map((a) => a.length)).toEqual([0, out[1].data.length]);
      expect(helloOf(out[1]).profile).toBe(Profile.Compat);
    });

    it('a bad LRC is answered with one NAK, and the next frame is answered', async () => {
      const { host } = await loadFirmware(variant);
      const bad = frame(command({ type: PcToRdr.GetSlotStatus, seq: 1 }));
      bad[bad.length - 1] ^= 0x5a;
      expect(host.sendRaw(bad)).toEqual([nak]);
      const ok = frames(host.send({ type: PcToRdr.GetSlotStatus, seq: 2 }));
      expect(ok.map((a) => [a.type, a.seq])).toEqual([
        [PcToRdr.GetSlotStatus, 2],
        [RdrToPc.SlotStatus, 2],
      ]);
    });

    it('garbage (stray SYNCs, time-request bytes, a host NAK) then a valid frame: answered, no NAK', async () => {
      const { host } = await loadFirmware(variant);
      const garbage = [0x00, 0x50, 0x02, 0x80, 0xff, 0x03, 0x41, 0x03, 0x15, 0x16, 0x03, 0x03];
      const out = host.sendRaw([
        ...garbage,
        ...frame(command({ type: PcToRdr.GetSlotStatus, seq: 9 })),
      ]);
      expect(out.map((it) => it.kind)).toEqual(['frame', 'frame']);
      expect(frames(out)[1].seq).toBe(9);
    });

    it('a frame hidden behind a false header is found when the false frame fails', async () => {
      const { host, hal } = await loadFirmware(variant);
      // `03 06` + a header announcing 200 bytes swallows the real frame; the timeout frees it.
      const falseHeader = [0x03, 0x06, 0x6b, 200, 0, 0, 0, 0, 0, 0, 0, 0];
      expect(
        host.sendRaw([...falseHeader, ...frame(command({ type: PcToRdr.GetSlotStatus, seq: 5 }))]),
      ).toEqual([]);
      hal.advance(HOST_FRAME_TIMEOUT_MS);
      const out = host.take();
      expect(out[0]).toEqual(nak);
      expect(frames(out).map((a) => [a.type, a.seq])).toEqual([
        [PcToRdr.GetSlotStatus, 5],
        [RdrToPc.SlotStatus, 5],
      ]);
    });

    it('a partial frame times out with a NAK; a slow but steady frame does not', async () => {
      const { host, hal } = await loadFirmware(variant);
      const f = frame(command({ type: PcToRdr.GetSlotStatus, seq: 3 }));
      expect(host.sendRaw(f.slice(0, 5))).toEqual([]);
      expect(hal.timers.has(TIMER_HOST_FRAME)).toBe(true);
      hal.advance(HOST_FRAME_TIMEOUT_MS - 1);
      expect(host.take()).toEqual([]);
      hal.advance(1);
      expect(host.take()).toEqual([nak]);
      expect(hal.timers.has(TIMER_HOST_FRAME)).toBe(false);
      for (const b of f) {
        hal.hostWrite([b]);
        hal.advance(HOST_FRAME_TIMEOUT_MS - 1);
      }
      expect(frames(host.take()).map((a) => a.seq)).toEqual([3, 3]);
      expect(hal.timers.has(TIMER_HOST_FRAME)).toBe(false);
    });

    it('refuses a frame larger than the profile allows, at its header', async () => {
      const { host } = await loadFirmware(variant);
      const over = COMPAT_MAX_MESSAGE_LENGTH - 10 + 1;
      const header = command({
        type: PcToRdr.XfrBlock,
        seq: 4,
        data: new Array(over).fill(0),
      }).slice(0, 10);
      expect(host.sendRaw([0x03, 0x06, ...header])).toEqual([nak]);
      // The largest compat message is fine.
      const max = frames(
        host.send({
          type: PcToRdr.Escape,
          seq: 5,
          data: new Array(COMPAT_MAX_MESSAGE_LENGTH - 10).fill(0x77),
        }),
      );
      expect(max.map((a) => [a.seq, a.error])).toEqual([
        [5, 0],
        [5, CcidError.CmdNotSupported],
      ]);
      // Native allows NATIVE_MAX_MESSAGE_LENGTH, not one byte more.
      setProfile(host, Profile.Native);
      const big = frames(
        host.send({
          type: PcToRdr.Escape,
          seq: 6,
          data: new Array(NATIVE_MAX_MESSAGE_LENGTH - 10).fill(0x77),
        }),
      );
      expect(big.map((a) => [a.seq, a.error])).toEqual([[6, CcidError.CmdNotSupported]]);
      const tooBig = command({
        type: PcToRdr.Escape,
        seq: 7,
        data: new Array(NATIVE_MAX_MESSAGE_LENGTH - 9).fill(0),
      });
      expect(host.sendRaw([0x03, 0x06, ...tooBig.slice(0, 10)])).toEqual([nak]);
    });

    it('answers frames delivered one byte at a time and many frames in one chunk, in order', async () => {
      const { host } = await loadFirmware(variant);
      setProfile(host, Profile.Native);
      const seqs = Array.from({ length: 20 }, (_, i) => i);
      const all = seqs.flatMap((seq) => [
        ...frame(command({ type: PcToRdr.GetSlotStatus, slot: seq % SLOT_COUNT, seq })),
      ]);
      expect(frames(host.sendRaw(all)).map((a) => a.seq)).toEqual(seqs);
      expect(frames(host.sendRaw(all, 1)).map((a) => a.seq)).toEqual(seqs);
    });

    it('random host bytes in random chunks never trap, and a valid frame is answered afterwards', async () => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 1500 }),
          fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 1, maxLength: 8 }),
          fc.boolean(),
          async (garbage, chunks, nativeProfile) => {
            runs++;
            const { hal, host } = await loadFirmware(variant);
            if (nativeProfile) setProfile(host, Profile.Native);
            hal.hostWriteChunked(garbage, chunks);
            // Whatever the firmware said, it said in well-formed frames, NAKs or 50 xx.
            host.take();
            hal.hostWriteChunked(
              frame(command({ type: PcToRdr.GetSlotStatus, seq: 0xa5, slot: 1 })),
              chunks,
            );
            hal.advance(4 * HOST_FRAME_TIMEOUT_MS);
            const answered = frames(host.take()).filter(
              (a: Answer) => a.type === RdrToPc.SlotStatus && a.seq === 0xa5 && a.slot === 1,
            );
            expect(answered).toHaveLength(1);
            expect(hal.panics).toEqual([]);
          },
        ),
        { numRuns: 300, seed: 0x4b52 },
      );
      expect(runs).toBe(300);
    });

    it('frames, garbage, false headers and bad LRCs give the same answers whatever the chunking', async () => {
      // The reader takes host bytes a run at a time (SYNC scan, memory.copy, wide LRC): what it
      // answers must not depend on where the deliveries split the stream.
      const piece = fc.oneof(
        fc
          .record({ seq: fc.integer({ min: 0, max: 255 }), slot: fc.integer({ min: 0, max: 2 }) })
          .map(({ seq, slot }) => [...frame(command({ type: PcToRdr.GetSlotStatus, seq, slot }))]),
        fc
          .record({ seq: fc.integer({ min: 0, max: 255 }), n: fc.integer({ min: 0, max: 200 }) })
          .map(({ seq, n }) => [
            ...frame(
              command({ type: PcToRdr.Escape, seq, data: vendor(0xee, ...Array(n).fill(n)) }),
            ),
          ]),
        fc.uint8Array({ maxLength: 40 }).map((b) => [...b]),
        fc.constant([0x03, 0x06, 0x65, 0x00, 0x00]), // a false header, cut short
        fc.integer({ min: 0, max: 255 }).map((seq) => {
          const f = [...frame(command({ type: PcToRdr.GetSlotStatus, seq }))];
          f[f.length - 1] ^= 0x5a; // bad LRC
          return f;
        }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(piece, { maxLength: 12 }),
          fc.array(fc.integer({ min: 1, max: 512 }), { minLength: 1, maxLength: 6 }),
          async (pieces, chunks) => {
            const stream = pieces.flat();
            const out = async (sizes: number[]) => {
              const { hal } = await loadFirmware(variant);
              hal.hostWriteChunked(stream, sizes);
              hal.advance(4 * HOST_FRAME_TIMEOUT_MS);
              expect(hal.panics).toEqual([]);
              return hex(hal.takeHostOut());
            };
            expect(await out(chunks)).toBe(await out([1]));
          },
        ),
        { numRuns: 150, seed: 0x6c72 },
      );
    });

    it('a long stream of noise keeps memory bounded and the firmware alive', async () => {
      const { hal, host } = await loadFirmware(variant);
      let x = 12345;
      const noise = Array.from(
        { length: 200_000 },
        () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24) & 0xff,
      );
      const pages = hal.exports.memory.buffer.byteLength;
      hal.hostWriteChunked(noise, [1, 7, 64, 512]);
      hal.advance(HOST_FRAME_TIMEOUT_MS);
      host.take();
      expect(hal.exports.memory.buffer.byteLength).toBe(pages);
      expect(frames(host.send({ type: PcToRdr.GetSlotStatus, seq: 1 })).map((a) => a.seq)).toEqual([
        1, 1,
      ]);
      expect(hal.panics).toEqual([]);
    });
  });
}
