// Random PIN requests and key sequences against the real firmware (fixed seed): it never traps,
// everything it sends the host decodes, every Secure gets exactly one final answer or is still
// waiting for its card, and the only commands that ever reach the card are VERIFY, CHANGE
// REFERENCE DATA, RESET RETRY COUNTER and the social security card's CHANGE PIN, with the
// template's header and nothing after the data field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandStatus, PcToRdr, RdrToPc } from '../../protocol/ccid-constants.ts';
import { Key } from '../hal-constants.ts';
import { frames } from './harness.ts';
import type { HalImports } from '../hal.ts';
import { FakeHal } from './fake-hal.ts';
import { command, frame, readHostStream } from './wire.ts';

const ATR_T0 = [0x3b, 0x02, 0x14, 0x50];

/**
 * A T=0 card that takes any case-3 command: the procedure byte after the header, 90 00 after
 * P3 data bytes. Its characters are delivered between events (HAL rule 2), by `pump`.
 */
class AnyCommandCardHal extends FakeHal {
  private readonly queue: number[] = [];
  private got: number[] = [];

  override imports(): HalImports {
    const base = super.imports();
    return {
      ...base,
      card_reset: (slot, high) => {
        base.card_reset(slot, high);
        if (slot === 0 && high) this.queue.push(...ATR_T0);
      },
      card_send: (slot, ptr, len) => {
        base.card_send(slot, ptr, len);
        if (slot !== 0) return;
        this.got.push(...new Uint8Array(this.exports.memory.buffer, ptr, len));
        if (this.got.length === 5) this.queue.push(this.got[4] === 0 ? 0x90 : this.got[1]);
        if (this.got.length === 5 && this.got[4] === 0) this.queue.push(0x00);
        if (this.got.length > 5 && this.got.length === 5 + this.got[4]) this.queue.push(0x90, 0x00);
      },
    };
  }

  pump(): void {
    for (let b = this.queue.shift(); b !== undefined; b = this.queue.shift())
      this.exports.on_card_rx(0, b, 0);
  }

  /** Host bytes in, then `ms` of time with the card's characters delivered as they come. */
  step(hostBytes: ArrayLike<number>, ms: number): void {
    if (hostBytes.length) this.hostWrite(hostBytes);
    this.pump();
    for (let t = 0; t < ms; t += 10) {
      this.advance(10);
      this.pump();
    }
  }
}
const INS = [0x20, 0x24, 0x2c, 0x5e, 0xb0, 0xd6, 0xdc, 0xe2, 0x84, 0xa4, 0x88, 0xca, 0x00];
const KEYS = [
  ...Array.from({ length: 10 }, (_, d) => d),
  Key.Enter,
  Key.Cancel,
  Key.Clear,
  Key.Backspace,
  Key.F1,
  Key.F4,
  0x7f,
  -1,
  1000,
];

const template = fc
  .record({
    command: fc.oneof(
      fc.constantFrom([0x00, 0x20], [0x00, 0x24], [0x00, 0x2c], [0x80, 0x5e]),
      fc.tuple(fc.constantFrom(0x00, 0x80, 0x84, 0xff), fc.constantFrom(...INS)),
    ),
    p1p2: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })),
    data: fc.uint8Array({ maxLength: 20 }),
    shape: fc.constantFrom('lc', 'lc', 'none', 'zero', 'le', 'wrong-lc'),
  })
  .map(({ command: [cla, ins], p1p2, data, shape }) => {
    const head = [cla, ins, ...p1p2];
    switch (shape) {
      case 'none':
        return head;
      case 'zero':
        return [...head, 0];
      case 'le':
        return [...head, data.length, ...data, 0];
      case 'wrong-lc':
        return [...head, data.length + 1, ...data];
      default:
        return [...head, data.length, ...data];
    }
  });

/** Mostly `usual`, sometimes any byte. */
const mostly = (usual: number[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...usual), weight: 30 },
    { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 1 },
  );

const anyStructure = fc.record({
  op: mostly([0, 0, 1]),
  timeOut: fc.constantFrom(0, 1, 5, 255),
  format: mostly([0x81, 0x82, 0x80, 0x89, 0x85, 0x21]),
  block: mostly([0x00, 0x00, 0x08, 0x47, 0x04]),
  lengthFormat: mostly([0x00, 0x04, 0x13, 0x47]),
  offsets: fc.tuple(mostly([0, 0, 1]), mostly([1, 4, 8])),
  max: mostly([8, 12, 16, 40]),
  min: mostly([1, 4, 6]),
  confirm: mostly([0, 1, 2, 3]),
  validation: mostly([2, 2, 3, 1, 4, 7, 0]),
  messages: mostly([0, 1, 1, 3, 0xff]),
  indexes: fc.tuple(fc.nat(4), fc.nat(4), fc.nat(4)),
  teo: fc.tuple(mostly([0]), mostly([0]), mostly([0])),
  langId: fc.constantFrom(0, 0x0409, 0x0804, 0x040c),
});

/** A request a host would send: the SSC form (block 0, BCD or ASCII), Enter validates. */
const usualStructure = fc.record({
  op: fc.constantFrom(0, 1),
  timeOut: fc.constant(0),
  format: fc.constantFrom(0x81, 0x82, 0x80),
  block: fc.constant(0),
  lengthFormat: fc.constant(0),
  offsets: fc.constant<[number, number]>([0, 1]),
  max: fc.constant(16),
  min: fc.constant(4),
  confirm: fc.constantFrom(1, 3),
  validation: fc.constantFrom(2, 3),
  messages: fc.constantFrom(1, 0xff),
  indexes: fc.constant<[number, number, number]>([0, 1, 2]),
  teo: fc.constant<[number, number, number]>([0, 0, 0]),
  langId: fc.constantFrom(0, 0x0409),
});

const structure = fc.oneof(anyStructure, usualStructure);

/** A holder's keys: mostly a PIN and Enter (up to three times), sometimes anything. */
const holder = fc.oneof(
  fc
    .array(
      fc
        .array(fc.integer({ min: 0, max: 9 }), { minLength: 4, maxLength: 8 })
        .map((d) => [...d, Key.Enter]),
      { minLength: 1, maxLength: 3 },
    )
    .map((pins) => pins.flat() as (number | 'wait')[]),
  fc.array(fc.oneof(fc.constantFrom(...KEYS), fc.constant('wait' as const)), { maxLength: 40 }),
  fc
    .array(fc.integer({ min: 0, max: 9 }), { minLength: 0, maxLength: 20 })
    .map((d) => [...d, Key.Enter] as (number | 'wait')[]),
);

function abData(
  s: typeof structure extends fc.Arbitrary<infer T> ? T : never,
  apdu: number[],
): number[] {
  const lang = [s.langId & 0xff, s.langId >> 8];
  if (s.op === 1)
    return [
      1,
      s.timeOut,
      s.format,
      s.block,
      s.lengthFormat,
      ...s.offsets,
      s.max,
      s.min,
      s.confirm,
      s.validation,
      s.messages,
      ...lang,
      ...s.indexes,
      ...s.teo,
      ...apdu,
    ];
  return [
    s.op,
    s.timeOut,
    s.format,
    s.block,
    s.lengthFormat,
    s.max,
    s.min,
    s.validation,
    s.messages,
    ...lang,
    s.indexes[0],
    ...s.teo,
    ...apdu,
  ];
}

describe('PIN pad fuzz', () => {
  it('never traps, answers in a decodable way, and sends the card only PIN commands', async () => {
    const seen = { card: 0, answered: 0 };
    await fc.assert(
      fc.asyncProperty(structure, template, holder, async (s, apdu, keys) => {
        const hal = new AnyCommandCardHal();
        hal.present[0] = 1;
        await hal.load('debug');
        hal.step(frame(command({ type: PcToRdr.IccPowerOn, seq: 1, specific: [1, 0, 0] })), 50);
        hal.takeHostOut();
        hal.step(frame(command({ type: PcToRdr.Secure, seq: 2, data: abData(s, apdu) })), 10);
        for (const k of keys) {
          if (k === 'wait') hal.advance(16_000);
          else hal.exports.on_key(k);
          hal.step([], 100);
        }
        // Past any bTimeOut (255 s at most), the card's characters delivered at least every
        // second: a card held silent for longer would meet the whole-exchange limit.
        for (let t = 0; t < 300; t++) {
          hal.advance(1000);
          hal.pump();
        }
        hal.step([], 100);
        const answers = frames(readHostStream(hal.takeHostOut()));
        expect(hal.panics).toEqual([]);
        const finals = answers.filter(
          (a) => a.type === RdrToPc.DataBlock && (a.status & 0xc0) !== CommandStatus.TimeExtension,
        );
        const sent = hal.cardOut[0];
        // Answered exactly once, whatever happened.
        expect(finals.length).toBe(1);
        if (finals.length) seen.answered++;
        if (sent.length === 0) return;
        seen.card++;
        const [cla, ins, p1, p2] = sent;
        expect(cla).not.toBe(0xff);
        // Written out here rather than protocol/pin-commands.ts, which the firmware uses.
        const pinCommand = ins === 0x5e ? (cla & 0xf0) === 0x80 : [0x20, 0x24, 0x2c].includes(ins);
        expect(pinCommand).toBe(true);
        expect([cla, ins, p1, p2]).toEqual(apdu.slice(0, 4));
        // T=0 case 3 as the card saw it: header with Lc, then exactly Lc bytes — nothing past Lc.
        expect(sent.length).toBeGreaterThan(5);
        expect(sent[4]).toBe(sent.length - 5);
      }),
      { seed: 6, numRuns: 400 },
    );
    // The generators reach both sides: refusals and entries that end without the card, and
    // commands that do go to the card.
    expect(seen.card).toBeGreaterThan(20);
    expect(seen.answered).toBeGreaterThan(200);
  });
});
