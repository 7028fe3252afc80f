// Random CCID commands, well framed, into the real firmware.wasm in the simulator (native
// profile, a social security card and a PSAM in their slots, the keypad typing): every message
// type with random fields, random vendor escapes, random PIN structures and the social security
// card's own, with a holder typing long PINs (right, wrong, cancelled, too long). Whatever comes,
// each command gets exactly one final answer, with its bSeq, in bounded time; the firmware never
// traps; and none of the typed PINs ever appears in the bytes the host receives (ASCII, BCD,
// one digit a byte, hex text). The framing itself under random bytes is host-framing.test.ts.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandStatus, PcToRdr, RdrToPc } from '../../protocol/ccid-constants.ts';
import type { PcToRdrMessage } from '../../protocol/ccid-messages.ts';
import { encodeVendorRequest } from '../../protocol/native/vendor-escape.ts';
import { arbPcToRdr } from '../../protocol/testing/ccid-arbitraries.ts';
import { arbVendorRequest } from '../../protocol/testing/native-arbitraries.ts';
import { modifyStructure, verifyStructure } from '../../host/pin/pin-templates.ts';
import { pinEncodings, randomPin, typed } from '../../soak/pins.ts';
import { Prng } from '../../simulator/engine/prng.ts';
import { bench, type Bench } from './e2e/e2e-kit.ts';

let b: Bench;
let received: Buffer[] = [];

beforeAll(async () => {
  b = await bench(['ssc3:li-na', 'psam'], { seed: 12, profile: 'native' });
  b.sim.reader.onHostData((bytes) => void received.push(Buffer.from(bytes)));
});
afterAll(() => b?.stop());

type Command = Omit<PcToRdrMessage, 'seq'>;

/** Mostly slots 0..2 (and the first invalid one), sometimes any byte. */
const slot = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) }, fc.nat(255));

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(arbPcToRdr, slot).map(([m, s]) => ({ ...m, slot: s })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(arbVendorRequest, slot)
      .map(
        ([v, s]) => ({ type: PcToRdr.Escape, slot: s, data: encodeVendorRequest(v) }) as Command,
      ),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 10 })).map(
      ([modify, timeOut]) =>
        ({
          type: PcToRdr.Secure,
          slot: 0,
          bwi: 0,
          levelParameter: 0,
          payload: modify
            ? { kind: 'modify', structure: modifyStructure('ssc', { timeoutSeconds: timeOut }) }
            : { kind: 'verify', structure: verifyStructure('ssc', { timeoutSeconds: timeOut }) },
        }) as Command,
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constant({ type: PcToRdr.IccPowerOn, slot: 0, powerSelect: 0 } as Command),
  },
);

/** What the holder does at the next PIN prompt. */
const holder = fc.record({
  pins: fc.integer({ min: 0, max: 3 }),
  tail: fc.constantFrom('enter', 'enter', 'cancel', 'clear', ''),
  long: fc.boolean(),
  seed: fc.nat(),
});

function found(pins: string[]): string[] {
  const all = Buffer.concat(received);
  const hits: string[] = [];
  for (const pin of pins)
    for (const e of pinEncodings(pin))
      if (all.indexOf(Buffer.from(e.bytes)) >= 0) hits.push(`${e.name} of a typed PIN`);
  return hits;
}

describe('CCID commands into the firmware (fuzz)', () => {
  it('one answer per command, no trap, no PIN digit towards the host', async () => {
    const typedPins: string[] = [];
    let secures = 0;
    let answered = 0;
    let fromCard = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { minLength: 1, maxLength: 6 }),
        holder,
        async (cmds, h) => {
          const rng = new Prng(h.seed);
          const pins = Array.from({ length: h.pins }, () => randomPin(rng, 10, h.long ? 17 : 12));
          typedPins.push(...pins);
          b.sim.reader.keypad.cancelAll();
          if (pins.length) b.sim.typeKeys(pins.map((p) => typed(p, h.tail)).join(' '));
          for (const c of cmds) {
            if (c.type === PcToRdr.Secure) secures++;
            const from = b.host.received.length;
            // Up to 15 virtual minutes: a PIN entry, a slow card, an update step.
            const a = await b.host.send(c as never, 900_000);
            answered++;
            const seq = 'seq' in a ? a.seq : -1;
            if (
              c.type === PcToRdr.Secure &&
              a.type === RdrToPc.DataBlock &&
              a.commandStatus === CommandStatus.Ok
            )
              fromCard++;
            expect(Object.values(RdrToPc)).toContain(a.type);
            const finals = b.host.received
              .slice(from)
              .filter(
                (x) =>
                  'seq' in x &&
                  x.seq === seq &&
                  (!('commandStatus' in x) || x.commandStatus !== CommandStatus.TimeExtension),
              );
            expect(finals).toHaveLength(1);
            expect(b.sim.reader.panics).toEqual([]);
          }
          b.sim.reader.keypad.cancelAll();
          // The reader still answers on every slot.
          for (let s = 0; s < 3; s++) {
            const st = await b.host.send({ type: PcToRdr.GetSlotStatus, slot: s }, 60_000);
            expect(st.type).toBe(RdrToPc.SlotStatus);
          }
          expect(found(typedPins)).toEqual([]);
          if (received.length > 2000) received = [Buffer.concat(received).subarray(-256)];
        },
      ),
      { seed: 0xcc1d, numRuns: 120 },
    );
    expect(secures).toBeGreaterThan(40);
    expect(answered).toBeGreaterThan(200);
    expect(typedPins.length).toBeGreaterThan(50);
    // PIN entries that went all the way to the card and back.
    expect(fromCard).toBeGreaterThan(10);
  }, 600_000);
});
