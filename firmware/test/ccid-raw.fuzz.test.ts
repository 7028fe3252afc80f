// Well-framed random CCID messages into the real firmware.wasm (simulator, fast mode), in the
// native and the compat profile, with a T=0 social security card, a PSAM and a T=1 card in the
// three slots. Random bytes rarely carry a valid LRC (host-framing.test.ts), so here every frame
// is right and the messages are not: every PC_to_RDR type (and unknown ones) with random specific
// bytes and random abData — plausible APDUs, TPDUs and T=1 blocks, PPS requests, SetParameters
// layouts, PIN structures for Secure, our vendor escapes (Reboot and SetProfile included) and
// libccid's — sent one by one or in bursts to one slot (CMD_SLOT_BUSY, Abort), sometimes with a
// holder typing. Whatever comes: no trap or panic; each command gets exactly one final answer,
// with its bSeq and bSlot, of the type CCID gives its command, decodable by protocol/; and
// afterwards a valid command is still answered on every slot and a card still reads.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CommandStatus,
  CcidError,
  PcToRdr,
  RdrToPc,
  ProtocolNum,
} from '../../protocol/ccid-constants.ts';
import { decodeMessage, encodeMessage } from '../../protocol/ccid-codec.ts';
import type { PcToRdrMessage } from '../../protocol/ccid-messages.ts';
import { Profile, VendorCommand } from '../../protocol/native-constants.ts';
import { encodeVendorRequest } from '../../protocol/native/vendor-escape.ts';
import { arbPinModify, arbPinVerify } from '../../protocol/testing/ccid-arbitraries.ts';
import { arbVendorRequest } from '../../protocol/testing/native-arbitraries.ts';
import {
  COMPAT_MAX_MESSAGE_LENGTH,
  NATIVE_MAX_MESSAGE_LENGTH,
} from '../../protocol/serial-constants.ts';
import { SerialDecoder } from '../../protocol/serial-decoder.ts';
import { encodeFrame } from '../../protocol/serial-frame.ts';
import { SSSE_AID } from '../../protocol/cards/ssc.ts';
import { fromHex } from '../../protocol/bytes.ts';
import { createCard } from '../../simulator/cards.ts';
import { Simulation } from '../../simulator/simulation.ts';
import { firmware } from './e2e/e2e-kit.ts';

/** One raw command: every byte of the header but dwLength and bSeq is the generator's. */
interface Raw {
  type: number;
  slot: number;
  specific: [number, number, number];
  data: readonly number[];
}

const PC_TO_RDR = Object.values(PcToRdr).filter((v): v is number => typeof v === 'number');
const RDR_TO_PC = new Set(Object.values(RdrToPc).filter((v): v is number => typeof v === 'number'));
/**
 * Unknown command types: not PC_to_RDR, and not RDR_to_PC or the interrupt types, whose compat
 * echo (the command's own header) would read as an answer on this side.
 */
const UNKNOWN_TYPES = Array.from({ length: 256 }, (_, i) => i).filter(
  (t) => !PC_TO_RDR.includes(t) && !RDR_TO_PC.has(t),
);

const byte = fc.nat(255);
const bytes = (max: number) => fc.array(byte, { maxLength: max });
const slot = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 2 }) },
  { weight: 1, arbitrary: fc.constant(3) },
  { weight: 1, arbitrary: byte },
);
const specific = fc.tuple(byte, byte, byte);

const SSSE = [...fromHex(SSSE_AID)];
const APDUS = [
  [0x00, 0xa4, 0x00, 0x00, 0x02, 0x3f, 0x00],
  [0x00, 0xa4, 0x04, 0x00, SSSE.length, ...SSSE, 0x00],
  [0x00, 0xb2, 0x07, 0x2c, 0x0b],
  [0x00, 0x84, 0x00, 0x00, 0x08],
  [0x80, 0xfa, 0x00, 0x00, 0x10, ...new Array<number>(16).fill(0x11)],
  [0x00, 0xb0, 0x00, 0x00, 0x00, 0x01, 0x00], // extended Le
];
const apdu = fc.oneof(
  fc.constantFrom(...APDUS),
  fc
    .tuple(byte, byte, byte, byte, bytes(40), fc.option(byte, { nil: undefined }))
    .map(([cla, ins, p1, p2, d, le]) => [
      cla,
      ins,
      p1,
      p2,
      ...(d.length ? [d.length, ...d] : []),
      ...(le === undefined ? [] : [le]),
    ]),
  bytes(300),
);
/** A T=1 block as a host would send it at TPDU level (NAD PCB LEN INF LRC), or bent. */
const t1Block = fc.tuple(byte, byte, bytes(20), fc.boolean()).map(([nad, pcb, inf, good]) => {
  const b = [nad & 0x77, pcb, inf.length, ...inf];
  const lrc = b.reduce((x, y) => x ^ y, 0);
  return [...b, good ? lrc : lrc ^ 0x01];
});
const pps = fc.tuple(byte, byte).map(([pps0, pps1]) => {
  const b = [0xff, 0x10 | (pps0 & 0x0f), pps1];
  return [...b, b.reduce((x, y) => x ^ y, 0)];
});

/** abData of a Secure: a PIN structure through the codec (verify or modify), or raw bytes. */
const secureData = fc.oneof(
  fc.tuple(arbPinVerify, fc.constantFrom(...APDUS)).map(([structure, template]) =>
    abDataOf({
      type: PcToRdr.Secure,
      slot: 0,
      seq: 0,
      bwi: 0,
      levelParameter: 0,
      payload: { kind: 'verify', structure: { ...structure, apdu: Uint8Array.from(template) } },
    } as PcToRdrMessage),
  ),
  fc.tuple(arbPinModify, fc.constantFrom(...APDUS)).map(([structure, template]) =>
    abDataOf({
      type: PcToRdr.Secure,
      slot: 0,
      seq: 0,
      bwi: 0,
      levelParameter: 0,
      payload: { kind: 'modify', structure: { ...structure, apdu: Uint8Array.from(template) } },
    } as PcToRdrMessage),
  ),
  // The social security card's VERIFY of PROTOCOL.md §4a, with a random timeout.
  fc
    .integer({ min: 0, max: 40 })
    .map((t) => [
      0x00,
      t,
      0x81,
      0x00,
      0x00,
      0x10,
      0x04,
      0x02,
      0x01,
      0x04,
      0x08,
      0,
      0,
      0,
      0,
      0x00,
      0x20,
      0x00,
      0x00,
      0x00,
    ]),
  fc.tuple(fc.integer({ min: 0, max: 6 }), bytes(60)).map(([op, rest]) => [op, ...rest]),
);

/** Our vendor escapes through the codec, libccid's start-up escapes, and bent ones. */
const escapeData = fc.oneof(
  { weight: 4, arbitrary: arbVendorRequest.map((r) => [...encodeVendorRequest(r)]) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      [0x02],
      [0x01, 0x01, 0x01],
      [0x6a],
      [0x1f, 0x02],
      [0x06],
      [0x01, 0x10, 0x20],
      [0xb2, 0xa0, 0x00, 0x4d, 0x4c, ...new Array<number>(160).fill(0x20)],
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(byte, bytes(40)).map(([cmd, rest]) => [0x4b, 0x52, cmd & 0x7f, ...rest]),
  },
  { weight: 1, arbitrary: bytes(80) },
);

const setParameters = fc.oneof(
  fc
    .tuple(fc.constantFrom(0x11, 0x13, 0x18, 0x94, 0x95, 0x96), byte, byte, byte, byte)
    .map(([fiDi, tc, n, wi, stop]) => [fiDi, tc & 0x02, n, wi, stop & 0x03]),
  fc
    .tuple(fc.constantFrom(0x11, 0x13, 0x96), byte, byte, byte, byte, byte, byte)
    .map(([fiDi, tc, n, wis, stop, ifsc, nad]) => [
      fiDi,
      0x10 | (tc & 0x03),
      n,
      wis,
      stop & 3,
      ifsc,
      nad,
    ]),
  bytes(9),
);

function abDataOf(m: PcToRdrMessage): number[] {
  return [...encodeMessage(m).subarray(10)];
}

const raw: fc.Arbitrary<Raw> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        slot,
        byte,
        fc.constantFrom(0, 0, 0, 1, 2, 3, 0x10, 0x04),
        fc.oneof(apdu, t1Block, pps),
      )
      .map(([s, bwi, level, data]) => ({
        type: PcToRdr.XfrBlock,
        slot: s,
        specific: [bwi, level, 0] as [number, number, number],
        data,
      })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(slot, secureData, fc.constantFrom(0, 0, 1, 2, 3, 0x10))
      .map(([s, data, level]) => ({
        type: PcToRdr.Secure,
        slot: s,
        specific: [0, level, 0] as [number, number, number],
        data,
      })),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(slot, escapeData).map(([s, data]) => ({
      type: PcToRdr.Escape,
      slot: s,
      specific: [0, 0, 0] as [number, number, number],
      data,
    })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(slot, fc.constantFrom(ProtocolNum.T0, ProtocolNum.T1, 2, 0xff), setParameters)
      .map(([s, protocol, data]) => ({
        type: PcToRdr.SetParameters,
        slot: s,
        specific: [protocol, 0, 0] as [number, number, number],
        data,
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(slot, fc.oneof(fc.constant([0x88, 0x13, 0, 0, 0x80, 0x34, 0, 0]), bytes(10)))
      .map(([s, data]) => ({
        type: PcToRdr.SetDataRateAndClockFrequency,
        slot: s,
        specific: [0, 0, 0] as [number, number, number],
        data,
      })),
  },
  {
    // The commands without abData: plausible specific bytes, sometimes data they must refuse.
    weight: 5,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          PcToRdr.IccPowerOn,
          PcToRdr.IccPowerOff,
          PcToRdr.GetSlotStatus,
          PcToRdr.GetParameters,
          PcToRdr.ResetParameters,
          PcToRdr.IccClock,
          PcToRdr.T0Apdu,
          PcToRdr.Mechanical,
          PcToRdr.Abort,
        ),
        slot,
        fc.oneof(
          { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 0, max: 5 }), byte, byte) },
          specific,
        ),
        fc.oneof({ weight: 6, arbitrary: fc.constant([] as number[]) }, bytes(8)),
      )
      .map(([type, s, sp, data]) => ({
        type,
        slot: s,
        specific: [sp[0], sp[1], sp[2]] as [number, number, number],
        data,
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...UNKNOWN_TYPES), slot, specific, bytes(16))
      .map(([type, s, sp, data]) => ({ type, slot: s, specific: sp, data })),
  },
);

/** A burst: commands written back to back; often all to one slot (busy), sometimes an Abort. */
const burst = fc
  .tuple(
    fc.array(raw, { minLength: 1, maxLength: 3 }),
    fc.boolean(),
    fc.boolean(),
    fc.constantFrom('', '', '', '1 2 3 4 5 6 enter', '9 9 9 9 enter', 'cancel', '1 2 3'),
  )
  .map(([cmds, sameSlot, abort, keys]) => {
    const list = sameSlot ? cmds.map((c) => ({ ...c, slot: cmds[0].slot })) : cmds;
    if (abort)
      list.push({ type: PcToRdr.Abort, slot: list[0].slot, specific: [0, 0, 0], data: [] });
    // A profile switch or a restart goes last: what follows it in the same burst would be framed
    // for the other profile (or reach a restarting reader).
    const changes = list.filter(changesProfile);
    const rest = list.filter((c) => !changesProfile(c));
    return { cmds: changes.length ? [...rest, changes[0]] : rest, keys };
  });

function isVendor(c: Raw, command: VendorCommand): boolean {
  return (
    c.type === PcToRdr.Escape && c.data[0] === 0x4b && c.data[1] === 0x52 && c.data[2] === command
  );
}
function changesProfile(c: Raw): boolean {
  return isVendor(c, VendorCommand.SetProfile) || isVendor(c, VendorCommand.Reboot);
}

/** The answer type CCID gives each command type (firmware answerTypeFor; unknown: SlotStatus). */
function answerType(type: number): number {
  switch (type) {
    case PcToRdr.IccPowerOn:
    case PcToRdr.XfrBlock:
    case PcToRdr.Secure:
      return RdrToPc.DataBlock;
    case PcToRdr.GetParameters:
    case PcToRdr.ResetParameters:
    case PcToRdr.SetParameters:
      return RdrToPc.Parameters;
    case PcToRdr.Escape:
      return RdrToPc.Escape;
    case PcToRdr.SetDataRateAndClockFrequency:
      return RdrToPc.DataRateAndClockFrequency;
    default:
      return RdrToPc.SlotStatus;
  }
}

interface Final {
  type: number;
  slot: number;
  status: number;
  error: number;
  data: Uint8Array;
}

/** The reader under test: frames out, final answers in by bSeq, the profile tracked. */
class Line {
  profile: Profile = Profile.Compat;
  readonly finals = new Map<number, Final[]>();
  readonly undecodable: string[] = [];
  private readonly decoder = new SerialDecoder({ maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH });
  private seq = 0;
  private wake: (() => void) | undefined;

  constructor(readonly sim: Simulation) {
    sim.reader.onHostData((bytes) => this.onBytes(bytes));
  }

  private onBytes(bytes: Uint8Array): void {
    for (const e of this.decoder.push(bytes)) {
      if (e.kind !== 'frame' || !RDR_TO_PC.has(e.message[0])) continue; // echoes, 50 xx
      const m = e.message;
      const status = m[7];
      if ((status & 0xc0) === CommandStatus.TimeExtension) continue;
      try {
        decodeMessage(m, 'rdr-to-pc');
      } catch (x) {
        this.undecodable.push(`${Buffer.from(m).toString('hex')}: ${(x as Error).message}`);
      }
      const list = this.finals.get(m[6]) ?? [];
      list.push({ type: m[0], slot: m[5], status, error: m[8], data: m.subarray(10) });
      this.finals.set(m[6], list);
    }
    this.wake?.();
  }

  /** Writes the commands back to back; returns their bSeqs. */
  send(cmds: Raw[]): number[] {
    const max =
      (this.profile === Profile.Native ? NATIVE_MAX_MESSAGE_LENGTH : COMPAT_MAX_MESSAGE_LENGTH) -
      10;
    return cmds.map((c) => {
      const seq = this.seq++ & 0xff;
      const data = c.data.slice(0, max);
      const m = new Uint8Array(10 + data.length);
      m[0] = c.type;
      new DataView(m.buffer).setUint32(1, data.length, true);
      m[5] = c.slot;
      m[6] = seq;
      m.set(c.specific, 7);
      m.set(data, 10);
      this.sim.reader.hostWrite(encodeFrame(m));
      return seq;
    });
  }

  /** Waits (virtual time) until every seq has a final answer or `limitMs` passed. */
  async settle(seqs: number[], limitMs: number): Promise<void> {
    const clock = this.sim.clientClock;
    const deadline = clock.now() + limitMs;
    while (!seqs.every((s) => this.finals.has(s)) && clock.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = clock.setTimeout(resolve, deadline - clock.now());
        this.wake = () => {
          clock.clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => this.sim.clientClock.setTimeout(resolve, ms));
  }

  /** One command, its final answer. */
  async ask(c: Raw): Promise<Final> {
    const [seq] = this.send([c]);
    await this.settle([seq], 120_000);
    const f = this.finals.get(seq);
    expect(f, `no answer to ${hex(c)}`).toHaveLength(1);
    return f![0];
  }
}

const hex = (c: Raw): string =>
  `${c.type.toString(16)} slot ${c.slot} [${c.specific.join(',')}] ${Buffer.from(c.data.slice(0, 24)).toString('hex')}`;

/** Longest a command may take: a PIN entry (bTimeOut up to 255 s) and then its card command. */
const ANSWER_BOUND_MS = 400_000;

async function life(profile: 'native' | 'compat', bursts: { cmds: Raw[]; keys: string }[]) {
  // The simulator alone, no e2e host on the link: this side reads every frame itself (a compat
  // echo of an unknown command type is no answer).
  const sim = await Simulation.create({ seed: 3, firmware: await firmware(), trace: false });
  ['ssc3:li-na', 'psam', 'ssc3-t1'].forEach((spec, slot) =>
    sim.insertCard(slot, createCard(spec, { prng: sim.prng })),
  );
  const running = sim.run();
  const b = { sim };
  const line = new Line(sim);
  try {
    if (profile === 'native') {
      const n = await line.ask({
        type: PcToRdr.Escape,
        slot: 0,
        specific: [0, 0, 0],
        data: [
          ...encodeVendorRequest({ command: VendorCommand.SetProfile, profile: Profile.Native }),
        ],
      });
      expect(n.data[4]).toBe(Profile.Native);
      line.profile = Profile.Native;
    }
    for (let s = 0; s < 3; s++) {
      const on = await line.ask({
        type: PcToRdr.IccPowerOn,
        slot: s,
        specific: [1, 0, 0],
        data: [],
      });
      expect(on.status & 0xc0).toBe(CommandStatus.Ok);
    }
    for (const { cmds, keys } of bursts) {
      b.sim.reader.keypad.cancelAll();
      if (keys) b.sim.typeKeys(keys);
      const seqs = line.send(cmds);
      await line.settle(seqs, ANSWER_BOUND_MS);
      // A duplicate would come soon after the first: give it the time to show.
      await line.pause(20);
      cmds.forEach((c, i) => {
        const got = line.finals.get(seqs[i]) ?? [];
        expect(got.length, `answers to ${hex(c)}`).toBe(1);
        expect([got[0].type, got[0].slot], hex(c)).toEqual([answerType(c.type), c.slot]);
        if (
          isVendor(c, VendorCommand.SetProfile) &&
          got[0].data.length === 5 &&
          got[0].data[3] === 0
        )
          line.profile = got[0].data[4] as Profile;
        if (isVendor(c, VendorCommand.Reboot) && got[0].data[3] === 0)
          line.profile = Profile.Compat;
      });
      if (cmds.some((c) => isVendor(c, VendorCommand.Reboot))) await line.pause(500);
      expect(b.sim.reader.panics).toEqual([]);
    }
    b.sim.reader.keypad.cancelAll();
    // Nothing answered twice, nothing that was not asked, every answer decodable.
    for (const [seq, list] of line.finals) expect(list.length, `bSeq ${seq}`).toBe(1);
    expect(line.undecodable).toEqual([]);
    // Afterwards a valid command is answered on every slot, and a card reads.
    for (let s = 0; s < 3; s++) {
      const st = await line.ask({
        type: PcToRdr.GetSlotStatus,
        slot: s,
        specific: [0, 0, 0],
        data: [],
      });
      expect([st.type, st.status & 0xc0]).toEqual([RdrToPc.SlotStatus, CommandStatus.Ok]);
    }
    const native = await line.ask({
      type: PcToRdr.Escape,
      slot: 0,
      specific: [0, 0, 0],
      data: [
        ...encodeVendorRequest({ command: VendorCommand.SetProfile, profile: Profile.Native }),
      ],
    });
    expect([...native.data.subarray(0, 5)]).toEqual([0x4b, 0x52, VendorCommand.SetProfile, 0, 1]);
    line.profile = Profile.Native;
    const on = await line.ask({ type: PcToRdr.IccPowerOn, slot: 0, specific: [1, 0, 0], data: [] });
    expect(on.status & 0xc0).toBe(CommandStatus.Ok);
    const select = await line.ask({
      type: PcToRdr.XfrBlock,
      slot: 0,
      specific: [0, 0, 0],
      data: APDUS[1],
    });
    expect(select.status & 0xc0).toBe(CommandStatus.Ok);
    expect([...select.data.subarray(-2)]).toEqual([0x90, 0x00]);
    expect(b.sim.reader.panics).toEqual([]);
    return line;
  } finally {
    await sim.stop();
    await running;
  }
}

describe('well-framed random CCID messages into the firmware', () => {
  for (const [profile, seed] of [
    ['native', 0x5eed1],
    ['compat', 0x5eed2],
  ] as const) {
    it(`${profile}: one answer per command, no trap, and the reader still works afterwards`, async () => {
      const seen = { commands: 0, busy: 0, aborted: 0, secures: 0, cardAnswers: 0 };
      await fc.assert(
        fc.asyncProperty(fc.array(burst, { minLength: 3, maxLength: 8 }), async (bursts) => {
          const line = await life(profile, bursts);
          for (const list of line.finals.values()) {
            const f = list[0];
            seen.commands++;
            if ((f.status & 0xc0) === CommandStatus.Failed && f.error === CcidError.CmdSlotBusy)
              seen.busy++;
            if ((f.status & 0xc0) === CommandStatus.Failed && f.error === CcidError.CmdAborted)
              seen.aborted++;
            if (f.type === RdrToPc.DataBlock && (f.status & 0xc0) === CommandStatus.Ok)
              seen.cardAnswers++;
          }
          seen.secures += bursts
            .flatMap((x) => x.cmds)
            .filter((c) => c.type === PcToRdr.Secure).length;
        }),
        // No shrinking: each run is a whole simulated reader; the seed and path replay it.
        { seed, numRuns: 150, endOnFailure: true },
      );
      // The generators reach the interesting paths.
      expect(seen.commands).toBeGreaterThan(300);
      expect(seen.busy).toBeGreaterThan(5);
      expect(seen.aborted).toBeGreaterThan(2);
      expect(seen.secures).toBeGreaterThan(20);
      expect(seen.cardAnswers).toBeGreaterThan(50);
    }, 600_000);
  }
});
