// T=1 (ISO 7816-3 §11): blocks and EDC, chaining both ways (with LEN = 0 blocks), S(IFS),
// S(WTX), the error recovery of §11.6.3 (R-blocks, retransmission, RESYNCH, deactivation),
// NAD, and the TPDU level where the host runs the protocol.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CcidError } from '../../../protocol/ccid-constants.ts';
import { EXCHANGE_LIMIT_DEFAULT_S } from '../../../protocol/native-constants.ts';
import { MAX_APDU_DATA } from '../../../protocol/serial-constants.ts';
import { Rig } from './rig.ts';
import { ScriptCard } from './script-card.ts';
import { T1Card, block, crc16, edcValid } from './t1-card.ts';
import type { T1CardOptions } from './t1-card.ts';
import { t1Atr, SSC_ATR } from './atrs.ts';
import { T0Card } from './t0-card.ts';

function pattern(n: number, seed = 1): number[] {
  return Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);
}

const SELECT = [0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00, 0x00];

async function t1Rig(options: Partial<T1CardOptions> & { atr?: number[] } = {}) {
  const rig = await Rig.create();
  const card = new T1Card({ atr: t1Atr(), app: () => [0x90, 0x00], ...options });
  rig.insert(0, card);
  expect(rig.powerOn(0, 1, true).error).toBe(0);
  return { rig, card };
}

function readerBlocks(card: T1Card): number[][] {
  return card.log.filter((e) => e.from === 'reader').map((e) => e.block);
}

describe('T=1 blocks', () => {
  it('one APDU in one I-block each way; N(S) alternates', async () => {
    const { rig, card } = await t1Rig({ app: (a) => [...a.slice(0, 2), 0x90, 0x00] });
    expect(rig.transmit(0, SELECT, true).data).toEqual([0x00, 0xa4, 0x90, 0x00]);
    expect(rig.transmit(0, SELECT, true).data).toEqual([0x00, 0xa4, 0x90, 0x00]);
    const blocks = readerBlocks(card);
    expect(blocks[1]).toEqual(block(0, 0x00, SELECT));
    expect(blocks[2]).toEqual(block(0, 0x40, SELECT));
  });

  it('CRC when the ATR says so: every block carries the CRC of §11.4.4.2', async () => {
    expect(crc16([0x00, 0xc1, 0x01, 0xfe]).toString(16)).toHaveLength(4);
    const { rig, card } = await t1Rig({ atr: t1Atr(0x96, 0xfe, 0x45, true), crc: true });
    expect(rig.transmit(0, SELECT, true).data).toEqual([0x90, 0x00]);
    for (const b of readerBlocks(card)) expect(edcValid(b, true)).toBe(true);
    expect(rig.getParameters(0).data[1]).toBe(0x11);
  });

  it('waiting times: BWT after each block, CWT from the first character', async () => {
    const { rig } = await t1Rig();
    rig.transmit(0, SELECT, true);
    const waits = rig.callsOf('card_wait', 0).map((c) => c.args[1]);
    // BWI 4 at F/D 512/32: 2^4 · 960 · 372 · 32 / 512 + 11; CWI 5: 11 + 32.
    expect(waits).toContain(357131);
    expect(waits).toContain(43);
  });
});

describe('T=1 chaining', () => {
  it('a C-APDU longer than IFSC goes out in chained I-blocks of IFSC bytes', async () => {
    const apdu = [0x00, 0xd6, 0x00, 0x00, 0x00, 0x02, 0x58, ...pattern(600), 0x00, 0x00];
    const { rig, card } = await t1Rig({ atr: t1Atr(0x96, 0x20) }); // IFSC 32
    expect(rig.transmit(0, apdu, true).data).toEqual([0x90, 0x00]);
    expect(card.apdus.at(-1)).toEqual(apdu);
    const iBlocks = readerBlocks(card).filter((b) => (b[1] & 0x80) === 0);
    expect(iBlocks.map((b) => b[2])).toEqual([...new Array(19).fill(32), apdu.length - 19 * 32]);
    expect(iBlocks.slice(0, -1).every((b) => (b[1] & 0x20) !== 0)).toBe(true);
    expect(iBlocks.at(-1)![1] & 0x20).toBe(0);
  });

  it('a long answer comes chained; the reader acknowledges each piece with R(N(R))', async () => {
    const answer = [...pattern(1000), 0x90, 0x00];
    const { rig, card } = await t1Rig({ app: () => answer });
    expect(rig.transmit(0, SELECT, true).data).toEqual(answer);
    const rBlocks = readerBlocks(card).filter((b) => (b[1] & 0xc0) === 0x80);
    expect(rBlocks.map((b) => b[1])).toEqual([0x90, 0x80, 0x90]); // 254 · 3 + 240
  });

  it('LEN = 0 I-blocks inside a chain are acknowledged and add nothing', async () => {
    const answer = [...pattern(40), 0x90, 0x00];
    const split = (a: number[]) => [a.slice(0, 10), [], a.slice(10, 30), [], a.slice(30)];
    const { rig } = await t1Rig({ app: () => answer, split });
    expect(rig.transmit(0, SELECT, true).data).toEqual(answer);
  });

  it('chaining both ways, any sizes, both EDCs', async () => {
    const rig = await Rig.create();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 5, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 254 }),
        fc.boolean(),
        async (commandLength, answerLength, ifsc, crc) => {
          const apdu = pattern(commandLength, 3);
          const answer = [...pattern(answerLength, 7), 0x90, 0x00];
          const card = new T1Card({ atr: t1Atr(0x96, ifsc, 0x45, crc), crc, app: () => answer });
          rig.insert(0, card, false);
          expect(rig.powerOn(0, 1, true).error).toBe(0);
          expect(rig.transmit(0, apdu, true).data).toEqual(answer);
          expect(card.apdus).toEqual([apdu]);
          expect(Math.max(...readerBlocks(card).map((b) => b[2]))).toBeLessThanOrEqual(ifsc);
          rig.exports.power_off(0);
        },
      ),
      { numRuns: 25, seed: 13 },
    );
  });
});

describe('T=1 S-blocks', () => {
  it('WTX: S(WTX response) echoes the multiplier, BWT × 3 for the next block, slotWaiting', async () => {
    const { rig, card } = await t1Rig({ wtx: 3, workEtu: 2 * 357131 });
    const done = rig.transmit(0, SELECT, true);
    expect(done.data).toEqual([0x90, 0x00]);
    expect(readerBlocks(card)).toContainEqual([0x00, 0xe3, 0x01, 0x03, 0xe1]);
    expect(rig.callsOf('card_wait', 0).map((c) => c.args[1])).toContain(3 * 357120 + 11);
    expect(rig.waiting).toContainEqual(expect.objectContaining({ slot: 0, multiplier: 3 }));
  });

  it("the card's S(IFS request) is answered and its new IFSC cuts the next chain", async () => {
    const ifs = block(0, 0xc1, [0x10]);
    const card = new ScriptCard({
      atr: [t1Atr(0x96, 0x20)],
      steps: [
        { expect: [0xff, 0x11, 0x96, 0x78] },
        { send: [0xff, 0x11, 0x96, 0x78] },
        { rate: [512, 32] },
        { expect: block(0, 0xc1, [0xfe]) },
        { send: ifs }, // instead of the IFS response: its own request first
        { expect: block(0, 0xe1, [0x10]) },
        { send: block(0, 0xe1, [0xfe]) },
        { expect: block(0, 0x20, pattern(16)) },
        { send: block(0, 0x90, []) },
        { expect: block(0, 0x40, pattern(4, 209)) },
        { send: block(0, 0x00, [0x90, 0x00]) },
      ],
    });
    const rig = await Rig.create();
    rig.insert(0, card);
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.transmit(0, pattern(20), true).data).toEqual([0x90, 0x00]);
    expect(card.mismatches).toEqual([]);
  });

  it('NAD: blocks carry the NAD set by SetParameters; the answer must swap it', async () => {
    const { rig, card } = await t1Rig();
    const p = rig.getParameters(0).data;
    expect(rig.setParameters(0, 1, [...p.slice(0, 6), 0x12])).toBe(0);
    expect(rig.transmit(0, SELECT, true).data).toEqual([0x90, 0x00]);
    expect(readerBlocks(card).at(-1)![0]).toBe(0x12);
    expect(card.log.at(-1)!.block[0]).toBe(0x21);
  });
});

describe('T=1 error recovery (§11.6.3)', () => {
  it('an EDC error in the card block: R(N(R)) with the EDC bit, the card repeats', async () => {
    const { rig, card } = await t1Rig({ fault: (_, i) => (i === 1 ? 'corrupt' : undefined) });
    expect(rig.transmit(0, SELECT, true).data).toEqual([0x90, 0x00]);
    expect(readerBlocks(card)).toContainEqual([0x00, 0x81, 0x00, 0x81]);
  });

  it('a parity error in the card block is an EDC error too', async () => {
    const card = new ScriptCard({
      atr: [t1Atr(0x11)], // no PPS: TA1 = Fd/Dd
      steps: [
        { expect: block(0, 0xc1, [0xfe]) },
        { send: block(0, 0xe1, [0xfe]) },
        { expect: block(0, 0x00, SELECT) },
        { send: block(0, 0x00, [0x90, 0x00]), parityErrors: [3] },
        { expect: [0x00, 0x81, 0x00, 0x81] },
        { send: block(0, 0x00, [0x90, 0x00]) },
      ],
    });
    const rig = await Rig.create();
    rig.insert(0, card);
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.transmit(0, SELECT, true).data).toEqual([0x90, 0x00]);
    expect(card.mismatches).toEqual([]);
  });

  it('the card got our block garbled: it asks with R(N(R) = our N(S)), we send it again', async () => {
    const { rig, card } = await t1Rig({ garble: (_, i) => i === 1 });
    expect(rig.transmit(0, SELECT, true).data).toEqual([0x90, 0x00]);
    const iBlocks = readerBlocks(card).filter((b) => (b[1] & 0x80) === 0);
    expect(iBlocks).toEqual([block(0, 0, SELECT), block(0, 0, SELECT)]);
  });

  it('a lost block: BWT runs out, R-block, the card repeats its answer', async () => {
    const { rig, card } = await t1Rig({ fault: (_, i) => (i === 1 ? 'drop' : undefined) });
    expect(rig.transmit(0, SELECT, true).data).toEqual([0x90, 0x00]);
    expect(readerBlocks(card)).toContainEqual([0x00, 0x82, 0x00, 0x82]);
  });

  it('blocks lost again and again: two R-blocks, then RESYNCH; the exchange fails, the next works', async () => {
    const { rig, card } = await t1Rig({
      fault: (b, i) => (i >= 1 && i <= 3 ? 'drop' : undefined),
    });
    const done = rig.transmit(0, SELECT, true);
    expect(done.error).toBe(CcidError.IccMute);
    const sent = readerBlocks(card).map((b) => b[1]);
    expect(sent.slice(1)).toEqual([0x00, 0x82, 0x82, 0xc0]);
    expect(rig.exports.icc_status(0)).toBe(0);
    // The next APDU starts again with N(S) = 0, after a new S(IFS request).
    expect(rig.transmit(0, SELECT, true).data).toEqual([0x90, 0x00]);
    expect(readerBlocks(card).slice(-2)).toEqual([block(0, 0xc1, [0xfe]), block(0, 0x00, SELECT)]);
  });

  it('a card that stays silent: three RESYNCH, then deactivation', async () => {
    const { rig, card } = await t1Rig({ fault: (_, i) => (i >= 1 ? 'drop' : undefined) });
    const done = rig.transmit(0, SELECT, true);
    expect(done.error).toBe(CcidError.IccMute);
    expect(readerBlocks(card).filter((b) => b[1] === 0xc0)).toHaveLength(3);
    expect(rig.exports.icc_status(0)).toBe(1);
    expect(rig.callsOf('card_power', 0).at(-1)!.args[1]).toBe(0);
    expect(rig.transmit(0, SELECT, true).error).toBe(CcidError.IccMute);
  });

  it('a card that asks for WTX for an hour: ICC_MUTE at the whole-exchange limit, deactivated', async () => {
    // S(WTX request) × 1 every 10 000 etu (0.74 s at 5 MHz, under BWT), 4 900 times ≈ an hour.
    const { rig, card } = await t1Rig({ wtx: 1, wtxRounds: 4_900, workEtu: 10_000 });
    const start = rig.now;
    const done = rig.transmit(0, SELECT, true);
    expect(done.error).toBe(CcidError.IccMute);
    expect(done.at - start).toBeGreaterThanOrEqual(EXCHANGE_LIMIT_DEFAULT_S * 1e9);
    expect(done.at - start).toBeLessThan(EXCHANGE_LIMIT_DEFAULT_S * 1e9 + 1e6);
    // Every request was answered and reported up, until the limit.
    const answered = readerBlocks(card).filter((b) => b[1] === 0xe3).length;
    expect(answered).toBeGreaterThan(70);
    expect(rig.waiting.filter((w) => w.slot === 0)).toHaveLength(answered);
    expect(rig.exports.icc_status(0)).toBe(1);
    expect(rig.callsOf('card_power', 0).at(-1)!.args[1]).toBe(0);
    // Powered again, a card that answers at once works: RESYNCH is not needed after a power-on.
    rig.remove(0);
    rig.drain(rig.now + 1e6);
    const quick = new T1Card({ atr: t1Atr(), app: () => [0x90, 0x00] });
    rig.insert(0, quick);
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.transmit(0, SELECT, true).data).toEqual([0x90, 0x00]);
  });

  it('S(WTX) only in answer to an I-block: one answering S(IFS) is an invalid block, not 60 × BWT', async () => {
    // Found by the T=1 fuzz (firmware/test/t1-blocks.fuzz.test.ts): granted, it stretched the
    // activation past the host's bound, and again at every S(IFS) sent again.
    const rig = await Rig.create();
    const card = new T1Card({ atr: t1Atr(), app: () => [0x90, 0x00], ifsRequest: 'wtx' });
    rig.insert(0, card);
    const start = rig.now;
    const done = rig.powerOn(0, 1, true);
    const sent = readerBlocks(card).map((b) => b[1]);
    expect(sent).not.toContain(0xe3); // no S(WTX response)
    // S(IFS) sent again twice, then RESYNCH (which this card answers): the activation ends at
    // once, with IFSD 32 until a later S(IFS) succeeds.
    expect(sent).toEqual([0xc1, 0xc1, 0xc1, 0xc0]);
    expect(done.error).toBe(0);
    expect(done.at - start).toBeLessThan(1e9);
  });

  it("the activation's S(IFS) exchange is bounded by the whole-exchange limit too", async () => {
    // A card silent to S(IFS): three S(IFS) and three RESYNCH, one BWT (1.14 s) each, would take
    // 6.9 s; with a 2 s limit the activation ends at 2 s, the card deactivated.
    const rig = await Rig.create();
    rig.exports.set_exchange_limit(2000);
    const card = new T1Card({ atr: t1Atr(), app: () => [0x90, 0x00], ifsRequest: 'ignore' });
    rig.insert(0, card);
    const done = rig.powerOn(0, 1, true);
    expect(done.error).toBe(CcidError.IccMute);
    const ifsStart = rig.callsOf('card_send', 0).find((c) => c.data?.[1] === 0xc1)!.at;
    expect(done.at - ifsStart).toBeGreaterThanOrEqual(2e9);
    expect(done.at - ifsStart).toBeLessThan(2e9 + 1e6);
    expect(rig.exports.icc_status(0)).toBe(1);
    rig.drain(rig.now + 20e9); // nothing armed answers again
    expect(rig.done.filter((d) => d.slot === 0)).toHaveLength(1);
  });

  it('after a deactivation by T=1 recovery, the next card (T=0) keeps working (soak seed 122)', async () => {
    const { rig } = await t1Rig({ fault: (_, i) => (i >= 1 ? 'drop' : undefined) });
    expect(rig.transmit(0, SELECT, true).error).toBe(CcidError.IccMute);
    expect(rig.exports.icc_status(0)).toBe(1); // deactivated after three RESYNCH
    rig.remove(0);
    rig.drain(rig.now + 1e6);
    const t0 = new T0Card({ atr: SSC_ATR, app: () => ({ data: [], sw: 0x9000 }) });
    rig.insert(0, t0);
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    const powers = rig.callsOf('card_power', 0).length;
    for (let i = 0; i < 3; i++) {
      expect(rig.transmit(0, [0x00, 0xa4, 0x00, 0x00, 0x02, 0x3f, 0x00], true)).toMatchObject({
        error: 0,
        data: [0x90, 0x00],
      });
      expect(rig.exports.icc_status(0)).toBe(0);
    }
    expect(rig.callsOf('card_power', 0)).toHaveLength(powers); // never deactivated
  });

  it('an answer of MAX_APDU_DATA data bytes and SW1 SW2 fits whole', async () => {
    const answer = [...pattern(MAX_APDU_DATA), 0x90, 0x00];
    const { rig } = await t1Rig({ app: () => answer });
    const done = rig.transmit(0, SELECT, true);
    expect(done.error).toBe(0);
    expect(done.data).toEqual(answer);
  });

  it('an answer longer than MAX_APDU_DATA: the chain is read to its end, then XFR_OVERRUN', async () => {
    const answer = [...pattern(MAX_APDU_DATA + 10), 0x90, 0x00];
    const { rig } = await t1Rig({ app: () => answer });
    expect(rig.transmit(0, SELECT, true).error).toBe(CcidError.XfrOverrun);
    expect(rig.transmit(0, SELECT, true).error).toBe(CcidError.XfrOverrun);
  });

  it('invalid blocks from the card never trap; the slot ends in an answer or a CCID error', async () => {
    const rig = await Rig.create();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 30 }),
        async (junk) => {
          const card = new ScriptCard({
            atr: [t1Atr(0x11)],
            steps: [
              { expect: block(0, 0xc1, [0xfe]) },
              { send: block(0, 0xe1, [0xfe]) },
              { expect: block(0, 0x00, SELECT) },
              { send: junk },
            ],
          });
          rig.insert(0, card, false);
          expect(rig.powerOn(0, 1, true).error).toBe(0);
          const done = rig.transmit(0, SELECT, true);
          expect(done.error === 0 || done.error >= 0xf0).toBe(true);
          rig.exports.power_off(0);
        },
      ),
      { numRuns: 80, seed: 17 },
    );
    expect(rig.panics).toEqual([]);
  });
});

describe('T=1 at TPDU level (libccid runs the protocol)', () => {
  async function tpduRig(steps: ConstructorParameters<typeof ScriptCard>[0]['steps']) {
    const rig = await Rig.create();
    const card = new ScriptCard({ atr: [t1Atr(0x11)], steps });
    rig.insert(0, card);
    expect(rig.powerOn(0, 1, false).error).toBe(0);
    return { rig, card };
  }

  it('one block out, the next whole block back (length from LEN)', async () => {
    const answer = block(0, 0x00, [...pattern(100), 0x90, 0x00]);
    const { rig } = await tpduRig([{ expect: block(0, 0x00, SELECT) }, { send: answer }]);
    expect(rig.transmit(0, block(0, 0x00, SELECT)).data).toEqual(answer);
  });

  it('a parity error: the block comes back with a wrong EDC, so libccid asks again', async () => {
    const answer = block(0, 0x00, [0x90, 0x00]);
    const { rig } = await tpduRig([
      { expect: block(0, 0x00, SELECT) },
      { send: answer, parityErrors: [4] },
    ]);
    const got = rig.transmit(0, block(0, 0x00, SELECT)).data;
    expect(got.length).toBe(answer.length);
    expect(edcValid(got, false)).toBe(false);
  });

  it('no block within BWT: ICC_MUTE; LEN = FF: what came, after CWT', async () => {
    const { rig } = await tpduRig([
      { expect: block(0, 0x00, SELECT) },
      { expect: block(0, 0x40, SELECT) },
      { send: [0x00, 0x00, 0xff, 0x01, 0x02] },
    ]);
    expect(rig.transmit(0, block(0, 0x00, SELECT)).error).toBe(CcidError.IccMute);
    expect(rig.transmit(0, block(0, 0x40, SELECT)).data).toEqual([0x00, 0x00, 0xff, 0x01, 0x02]);
  });

  it("the host's S(WTX response) gives the card that many BWTs", async () => {
    const { rig } = await tpduRig([
      { expect: block(0, 0xe3, [0x05]) },
      { send: block(0, 0x00, [0x90, 0x00]) },
    ]);
    rig.transmit(0, block(0, 0xe3, [0x05]));
    const bwt = 16 * 960 + 11; // BWI 4 at F/D 372/1
    expect(rig.callsOf('card_wait', 0).map((c) => c.args[1])).toContain(5 * 16 * 960 + 11);
    expect(rig.callsOf('card_wait', 0).map((c) => c.args[1])).not.toContain(bwt);
  });

  it('a block shorter than a prologue and EDC is refused', async () => {
    const { rig } = await tpduRig([]);
    expect(rig.transmit(0, [0x00, 0x00, 0x00]).error).toBe(1);
  });
});
