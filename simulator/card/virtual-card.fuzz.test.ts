// Random reader behaviour in every state (ISO 7816-3 allows a card to ignore what it does not
// understand, never to crash): the card never throws, never loops, and after a reset it is back
// in a known state — ATR on time, then a normal command answered.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SSC_ATR,
  ScriptedOs,
  T0_TA1_13_ATR,
  answer,
  powerUp,
  t1Atr,
  transport,
} from './card-test-kit.ts';
import type { CardTransportProfile } from './contract.ts';
import { bytesOf, hexBytes, hexOf } from './fake-line-port.ts';
import { computeEdc } from './t1-edc.ts';

const HZ = 3_571_200;

const PROFILES: CardTransportProfile[] = [
  transport({ atr: SSC_ATR, t0NullIntervalEtu: 2_000, processingUsByIns: { '88': 600_000 } }),
  transport({
    atr: T0_TA1_13_ATR,
    pps: 'answer-wrong',
    t0: { case4: '61xx', wrongLe: 'truncate' },
  }),
  transport({ atr: T0_TA1_13_ATR, pps: 'refuse-silent' }),
  transport({ atr: '3F 12 13 4B 52' }),
  transport({ atr: t1Atr(), t1WtxAfterUs: 50_000, processingUsByIns: { '88': 400_000 } }),
  transport({ atr: t1Atr({ crc: true, ifsc: 16 }) }),
];
const CRC_PROFILE = 5;

type Action =
  | { kind: 'bytes'; bytes: number[]; parityErrors: number[]; gapEtu: number }
  | { kind: 'advance'; us: number }
  | { kind: 'clock'; hz: number }
  | { kind: 'settle' };

/** A T=1 block with a correct EDC but random PCB, NAD and INF: reaches deep into the rules. */
const t1LikeBlock = fc
  .record({
    nad: fc.constantFrom(0x00, 0x00, 0x12, 0x80),
    pcb: fc.constantFrom(
      0x00,
      0x40,
      0x20,
      0x60,
      0x80,
      0x90,
      0x81,
      0x92,
      0xc0,
      0xc1,
      0xc2,
      0xc3,
      0xe3,
      0xe1,
    ),
    inf: fc.uint8Array({ maxLength: 40 }),
    crc: fc.boolean(),
  })
  .map(({ nad, pcb, inf, crc }) => {
    const body = Uint8Array.from([nad, pcb, inf.length, ...inf]);
    return [...body, ...computeEdc(crc ? 'crc' : 'lrc', body)];
  });

/** A T=0 header with an INS the test COS knows, and sometimes its data. */
const t0LikeCommand = fc
  .record({
    ins: fc.constantFrom(0xb0, 0xb2, 0xc0, 0x88, 0xa4, 0x20, 0x60, 0xca),
    p3: fc.constantFrom(0, 1, 4, 8, 255),
    data: fc.uint8Array({ maxLength: 8 }),
  })
  .map(({ ins, p3, data }) => [0x00, ins, 0x00, 0x00, p3, ...data]);

const ppsLike: fc.Arbitrary<number[]> = fc.constantFrom(
  [0xff, 0x10, 0x13, 0xfc],
  [0xff, 0x11, 0x96, 0x78],
  [0xff, 0x00],
  [0xff, 0x01, 0xfe],
);

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant('bytes' as const),
    bytes: fc.oneof(
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 30 }),
      t1LikeBlock,
      t0LikeCommand,
      ppsLike,
    ),
    parityErrors: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 2 }),
    gapEtu: fc.integer({ min: 0, max: 40 }),
  }),
  fc.record({ kind: fc.constant('advance' as const), us: fc.integer({ min: 0, max: 2_000_000 }) }),
  fc.record({
    kind: fc.constant('clock' as const),
    hz: fc.constantFrom(0, 1_000_000, HZ, 5_000_000),
  }),
  fc.constant({ kind: 'settle' as const }),
);

/** The test COS: 8 bytes for 88 (slow per profile), 4 for B0/B2, 90 00 otherwise. */
function fuzzOs(): ScriptedOs {
  const os = new ScriptedOs();
  os.answer = (c) => {
    if (c[1] === 0x88) return answer('01 02 03 04 05 06 07 08 90 00');
    if (c[1] === 0xb0 || c[1] === 0xb2) return answer('11 22 33 44 90 00');
    return answer('90 00');
  };
  return os;
}

describe('VirtualCard under random reader input', () => {
  it('never throws and returns to a known state after a warm reset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: PROFILES.length - 1 }),
        fc.array(action, { maxLength: 25 }),
        (profileIndex, actions) => {
          const profile = PROFILES[profileIndex];
          const { card, port, atr } = powerUp(profile, fuzzOs(), HZ);
          for (const a of actions) {
            switch (a.kind) {
              case 'bytes':
                port.readerSends(card, a.bytes, { gapEtu: a.gapEtu, parityErrors: a.parityErrors });
                port.advance(5_000_000);
                break;
              case 'advance':
                port.advance(a.us * 1_000);
                break;
              case 'clock':
                port.setClock(card, a.hz);
                break;
              case 'settle':
                port.run(Infinity, 20_000);
                break;
            }
          }
          // Left alone, the card settles: nothing keeps scheduling forever.
          port.setClock(card, HZ);
          port.run(Infinity, 20_000);
          expect(port.pendingEvents).toBe(0);
          expect(card.scheduledEvents).toBe(0);

          // Warm reset: everything stops at once, then the ATR on time.
          card.rst(false);
          expect(card.scheduledEvents).toBe(0);
          port.take();
          port.advance(1_000_000);
          expect(port.take()).toEqual([]);
          card.rst(true);
          const rstAt = port.now();
          port.run();
          const sent = port.take();
          expect(bytesOf(sent)).toEqual(atr);
          expect(sent[0].at).toBeCloseTo(rstAt + (profile.atrDelayClocks / HZ) * 1e9, 0);
          expect(card.state).toBe('negotiable');

          // A normal command is answered as on a fresh card.
          if (card.uart.t1) {
            const body = hexBytes('00 00 05 00 B0 00 00 04');
            const edc = computeEdc(profileIndex === CRC_PROFILE ? 'crc' : 'lrc', body);
            const reply = port.exchange(card, [...body, ...edc], { gapEtu: 22 });
            expect(hexOf(bytesOf(reply)).startsWith('00 00 06 11 22 33 44 90 00')).toBe(true);
          } else {
            expect(hexOf(bytesOf(port.exchange(card, hexBytes('00 B0 00 00 04'))))).toBe(
              'B0 11 22 33 44 90 00',
            );
          }
          card.detach();
          expect(card.scheduledEvents).toBe(0);
        },
      ),
      { seed: 20_240_603, numRuns: 300 },
    );
  });

  it('a pull in any state leaves nothing scheduled', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: PROFILES.length - 1 }),
        fc.array(action, { maxLength: 15 }),
        (profileIndex, actions) => {
          const { card, port } = powerUp(PROFILES[profileIndex], fuzzOs(), HZ);
          for (const a of actions) {
            if (a.kind === 'bytes')
              port.readerSends(card, a.bytes, { gapEtu: a.gapEtu, parityErrors: a.parityErrors });
            port.advance(a.kind === 'advance' ? a.us * 1_000 : 1_000_000);
          }
          const pulledAt = port.now();
          card.detach();
          expect(card.scheduledEvents).toBe(0);
          port.run(Infinity, 20_000);
          // Nothing reaches the line after the pull.
          expect(port.take().filter((c) => c.at > pulledAt)).toEqual([]);
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });
});
