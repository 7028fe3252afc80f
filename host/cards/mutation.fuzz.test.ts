// The card applications on real answers, bent: the simulated cards of every profile answer (the
// social security card 2.0 and 3.0, the health card, the PSAM), and a random script changes some
// of their answers on the way — a bit flipped in the data, data cut short or lengthened, the
// data gone, another status word (61xx, 6Cxx, 63Cx, 6A82, …), an answer from an earlier command.
// This reaches the decoders that random bytes seldom reach: SIMPLE-TLV records, BER-TLV FCIs
// and EMV templates, cn/BCD dates and codes, GBK names with 4E continuations, the AFL, the PSAM's
// session keys. Whatever happens, each read ends in a result or a CardError (national code and
// text), within a bounded number of commands; an unbent conversation gives the persona's data.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CardError } from './card-error.ts';
import type { CardChannel } from './channel.ts';
import { Psam } from './psam/psam.ts';
import { readSscBasic } from './ssc/read-basic.ts';
import { SscNationalInterface } from './ssc/national.ts';
import { readHealthCard } from './health/health-card.ts';
import { readBankCard } from './bank/bank-card.ts';
import { SimChannel } from './testing/sim-channel.ts';
import { healthPersona, sscPersona } from '../../simulator/profiles/index.ts';

type Bend = 'flip' | 'cut' | 'extend' | 'no-data' | 'status' | 'stale' | 'only-sw';

interface Edit {
  /** Which answer (counted over the whole run, card and PSAM). */
  at: number;
  bend: Bend;
  n: number;
}

const STATUS = [
  0x6100, 0x6110, 0x6c00, 0x6c08, 0x63c0, 0x63c2, 0x6a82, 0x6982, 0x6700, 0x9000, 0x6283,
];

/** A channel over a simulated card whose answers pass through `edits`. */
class BentChannel implements CardChannel {
  readonly atr: Uint8Array;
  count = 0;
  bent = 0;
  #last: Uint8Array = Uint8Array.of(0x90, 0x00);
  #inner: SimChannel;

  constructor(
    spec: string,
    private readonly edits: Map<number, Edit>,
    private readonly counter: { n: number },
  ) {
    this.#inner = new SimChannel(spec, 3);
    this.atr = this.#inner.atr;
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    if (++this.count > 500) throw new Error('more than 500 commands: a loop');
    const right = await this.#inner.transmit(apdu);
    const edit = this.edits.get(this.counter.n++);
    const answer = edit ? bend(right, edit, this.#last) : right;
    if (edit) this.bent++;
    this.#last = right;
    return answer;
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.#inner.transaction(fn);
  }
}

function bend(r: Uint8Array, e: Edit, last: Uint8Array): Uint8Array {
  const data = r.subarray(0, r.length - 2);
  const sw = r.subarray(r.length - 2);
  const join = (d: ArrayLike<number>, s: ArrayLike<number> = sw) =>
    Uint8Array.from([...Array.from(d), ...Array.from(s)]);
  switch (e.bend) {
    case 'flip': {
      const out = Uint8Array.from(r);
      if (data.length) out[e.n % data.length] ^= 1 << (e.n % 8);
      return out;
    }
    case 'cut':
      return join(data.subarray(0, data.length ? e.n % data.length : 0));
    case 'extend':
      return join([
        ...data,
        ...Array.from({ length: 1 + (e.n % 9) }, (_, i) => (e.n * 31 + i) & 0xff),
      ]);
    case 'no-data':
      return Uint8Array.from(sw);
    case 'status': {
      const s = STATUS[e.n % STATUS.length] | (e.n & 0x0f);
      return join(data, [s >> 8, s & 0xff]);
    }
    case 'stale':
      return Uint8Array.from(last);
    case 'only-sw':
      return Uint8Array.of(sw[0]);
  }
}

const edits = fc
  .array(
    fc.record({
      at: fc.nat(40),
      bend: fc.constantFrom<Bend>(
        'flip',
        'flip',
        'cut',
        'extend',
        'no-data',
        'status',
        'stale',
        'only-sw',
      ),
      n: fc.nat(4096),
    }),
    { maxLength: 4 },
  )
  .map((list) => new Map(list.map((e) => [e.at, e])));

const random = (n: number): Uint8Array => new Uint8Array(n).fill(0x5a);

/** Runs `read`; a result, or a CardError with its national code and text. */
async function ends<T>(read: () => Promise<T>): Promise<T | CardError> {
  try {
    return await read();
  } catch (e) {
    if (!(e instanceof CardError)) throw e;
    expect(typeof e.code).toBe('number');
    expect(e.text.length).toBeGreaterThan(0);
    return e;
  }
}

const SSC = ['ssc3:li-na', 'ssc3:ayguli', 'ssc2:liu-yun', 'ssc2:chen-jing', 'ssc3:tashi'];
const HEALTH = ['health:zhou-xiaomei', 'health:he-jun'];

describe('card applications on bent answers of the simulated cards (fuzz)', () => {
  it('readSscBasic and readBankCard: a result or a CardError; unbent, the persona', async () => {
    const seen = { ok: 0, errors: 0 };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SSC), edits, async (spec, e) => {
        const counter = { n: 0 };
        const card = new BentChannel(spec, e, counter);
        const psam = new BentChannel('psam', e, counter);
        const info = await ends(() => readSscBasic(card, { psam: new Psam(psam), random }));
        const bank = await ends(() => readBankCard(card, { random }));
        const persona = sscPersona(spec);
        for (const r of [info, bank]) r instanceof CardError ? seen.errors++ : seen.ok++;
        if (card.bent + psam.bent === 0) {
          expect(info).toMatchObject({ name: persona.name, socialSecurityNumber: persona.ssn });
          expect(bank).toMatchObject({ pan: persona.bank.pan });
        }
      }),
      { seed: 0xca7d, numRuns: 300 },
    );
    expect(seen.ok).toBeGreaterThan(100);
    expect(seen.errors).toBeGreaterThan(100);
  });

  it('readHealthCard with everything included: a result or a CardError', async () => {
    const seen = { ok: 0, errors: 0 };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...HEALTH), edits, async (spec, e) => {
        const counter = { n: 0 };
        const card = new BentChannel(spec, e, counter);
        const psam = new BentChannel('psam', e, counter);
        const r = await ends(() =>
          readHealthCard(card, {
            psam: new Psam(psam),
            include: { contacts: true, addresses: true, clinical: true },
            random,
          }),
        );
        r instanceof CardError ? seen.errors++ : seen.ok++;
        if (card.bent + psam.bent === 0) {
          expect(r).toMatchObject({ holder: { name: healthPersona(spec).name } });
        }
      }),
      { seed: 0x4ea1, numRuns: 200 },
    );
    expect(seen.ok).toBeGreaterThan(50);
    expect(seen.errors).toBeGreaterThan(50);
  });

  it('the national functions: always a code, never an internal error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SSC), edits, async (spec, e) => {
        const counter = { n: 0 };
        const api = new SscNationalInterface({
          card: async () => new BentChannel(spec, e, counter),
          psam: async () => new BentChannel('psam', e, counter),
          random,
        });
        for (const r of [
          await api.iReadCardBas(1),
          await api.iReadCard(1, 2, '', 'SSSEEF05|01|$DF01EF05|20|$SSSEEF07$'),
        ]) {
          expect(typeof r.code).toBe('number');
          expect(r.code === 0 ? r.data : r.error).toBeDefined();
          expect(r.error?.message ?? '').not.toMatch(/^internal error/);
        }
      }),
      { seed: 0x7a71, numRuns: 150 },
    );
  });
});
