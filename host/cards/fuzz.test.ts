// Whatever a card, a PSAM or an HSM answers, the applications end in a CardError (or a national
// reply with a code), never in another exception or a hang.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CardError } from './card-error.ts';
import type { CardChannel } from './channel.ts';
import { Psam } from './psam/psam.ts';
import { readSscBasic } from './ssc/read-basic.ts';
import { SscNationalInterface } from './ssc/national.ts';
import { readHealthCard } from './health/health-card.ts';
import { readBankCard } from './bank/bank-card.ts';

/** Answers: random bytes, mostly ending in a plausible status word. */
const answer = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc
    .tuple(
      fc.uint8Array({ maxLength: 120 }),
      fc.constantFrom(0x9000, 0x6a82, 0x6982, 0x6c10, 0x6110, 0x63c1, 0x6a88, 0x6a81),
    )
    .map(([d, sw]) => Uint8Array.of(...d, sw >> 8, sw & 0xff)),
);

function channel(atr: Uint8Array, answers: Uint8Array[]): CardChannel & { count: number } {
  const ch = {
    atr,
    count: 0,
    transmit: async (): Promise<Uint8Array> => answers[ch.count++ % answers.length],
  };
  return ch;
}

const atr = fc.oneof(
  fc.constant(
    Uint8Array.of(
      0x3b,
      0x6d,
      0,
      0,
      0,
      0x81,
      0x4a,
      0x44,
      0x46,
      0x86,
      0x60,
      0x51,
      0x99,
      0,
      0,
      1,
      0xac,
    ),
  ),
  fc.uint8Array({ maxLength: 20 }),
);
const random = (n: number): Uint8Array => new Uint8Array(n).fill(7);

describe('applications under random answers', () => {
  it('readSscBasic, readHealthCard, readBankCard: CardError or a result, bounded', async () => {
    await fc.assert(
      fc.asyncProperty(
        atr,
        fc.array(answer, { minLength: 1, maxLength: 12 }),
        fc.array(answer, { minLength: 1, maxLength: 6 }),
        async (a, cardAnswers, psamAnswers) => {
          for (const run of [
            (c: CardChannel, p: Psam) =>
              readSscBasic(c, { psam: p, random, hsm: async () => 'garbage|' }),
            (c: CardChannel, p: Psam) => readHealthCard(c, { psam: p, random }),
            (c: CardChannel) => readBankCard(c, { random }),
          ]) {
            const card = channel(a, cardAnswers);
            const psam = channel(Uint8Array.of(0x3b, 0), psamAnswers);
            try {
              await run(card, new Psam(psam));
            } catch (e) {
              if (!(e instanceof CardError)) throw e;
            }
            expect(card.count).toBeLessThan(2000);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the national functions always return a code', async () => {
    await fc.assert(
      fc.asyncProperty(
        atr,
        fc.array(answer, { minLength: 1, maxLength: 12 }),
        fc.string({ maxLength: 60 }),
        async (a, answers, text) => {
          const card = channel(a, answers);
          const api = new SscNationalInterface({
            card: async () => card,
            psam: async () => channel(Uint8Array.of(0x3b, 0), answers),
            random,
          });
          for (const r of [
            await api.iReadCardBas(1),
            await api.iReadCardBas_HSM_Step1(1),
            await api.iReadCardBas_HSM_Step2(text),
            await api.iReadCard(1, 2, text, text),
            await api.iReadCard(
              1,
              2,
              '0'.repeat(32) + '|A|',
              'SSSEEF05|01|$DF01EF05|20|$SSSEEF07$',
            ),
          ]) {
            expect(typeof r.code).toBe('number');
            expect(r.code === 0 ? r.data : r.error).toBeDefined();
            expect(r.error?.message ?? '').not.toMatch(/^internal error/);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
