// Activation and the ATR (ISO 7816-3 §6, §8) on the ISO layer's test module: conventions,
// TCK, the three ATR timeouts, the warm-reset retry, the class fallback, specific mode.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CcidError } from '../../../protocol/ccid-constants.ts';
import { UartFlag, VoltageClass } from '../../hal.ts';
import { Rig } from './rig.ts';
import { ScriptCard } from './script-card.ts';
import { convert, withTck, xor } from './card-line.ts';
import { MINIMAL_T0_ATR, SSC_ATR, specificAtr, t1Atr } from './atrs.ts';

async function withCard(card: ScriptCard, slot = 0): Promise<Rig> {
  const rig = await Rig.create();
  rig.insert(slot, card);
  return rig;
}

describe('activation', () => {
  it('cold reset: clock at 5 MHz before VCC, RST high ≥ 400 clocks later, ATR of the SSC', async () => {
    const rig = await withCard(new ScriptCard({ atr: [SSC_ATR] }));
    const done = rig.powerOn(0, 1);
    expect(done.error).toBe(0);
    expect(done.data).toEqual(SSC_ATR);
    const order = rig.calls.filter((c) => c.name.startsWith('card_')).map((c) => c.name);
    expect(order.indexOf('card_clock')).toBeLessThan(order.indexOf('card_power'));
    expect(rig.callsOf('card_clock', 0)[0].args[1]).toBe(5000);
    const power = rig.callsOf('card_power', 0)[0];
    const rstHigh = rig.callsOf('card_reset', 0).find((c) => c.args[1] === 1)!;
    expect(rstHigh.at - power.at).toBeGreaterThanOrEqual((400 / 5000) * 1e6); // ≥ 400 clocks
    // TS within 40 000 clocks: 108 etu at F = 372.
    expect(rig.callsOf('card_wait', 0)[0].args[1]).toBe(108);
    expect(rig.exports.icc_status(0)).toBe(0);
    // The clock is never changed after the activation (SSC Part 2; ARCHITECTURE.md §6).
    expect(rig.callsOf('card_clock', 0)).toHaveLength(1);
  });

  it('bPowerSelect 2 powers class B at 4 MHz', async () => {
    const rig = await withCard(new ScriptCard({ atr: [SSC_ATR] }));
    expect(rig.powerOn(0, 2).error).toBe(0);
    expect(rig.callsOf('card_power', 0)[0].args[1]).toBe(VoltageClass.B);
    expect(rig.callsOf('card_clock', 0)[0].args[1]).toBe(4000);
  });

  it('automatic class: C, then B, then A while the card is mute, no warm reset for a silent card', async () => {
    const card = new ScriptCard({ atr: [SSC_ATR], classes: [VoltageClass.A] });
    const rig = await withCard(card);
    const done = rig.powerOn(0, 0);
    expect(done.error).toBe(0);
    expect(card.resets.map((r) => [r.voltage, r.warm])).toEqual([
      [VoltageClass.C, false],
      [VoltageClass.B, false],
      [VoltageClass.A, false],
    ]);
    // Each mute class costs RST low, 40 000 clocks and the 10 ms before the next activation.
    const on = rig.callsOf('card_power', 0).filter((c) => c.args[1] !== 0);
    expect(on.map((c) => c.args[1])).toEqual([VoltageClass.C, VoltageClass.B, VoltageClass.A]);
    expect(on[2].at - on[0].at).toBeLessThan(2 * (1e6 + 10e6 + 10e6) + 1e6);
    // ≥ 10 ms between a deactivation and the next activation.
    const powers = rig.callsOf('card_power', 0);
    const off = powers.find((c) => c.args[1] === 0)!;
    const next = powers.find((c) => c.at > off.at && c.args[1] !== 0)!;
    expect(next.at - off.at).toBeGreaterThanOrEqual(10e6);
  });

  it('automatic class, a card silent at every class: one warm reset, at class A, then ICC_MUTE', async () => {
    const card = new ScriptCard({ atr: [null] });
    const rig = await withCard(card);
    expect(rig.powerOn(0, 0).error).toBe(CcidError.IccMute);
    expect(card.resets.map((r) => [r.voltage, r.warm])).toEqual([
      [VoltageClass.C, false],
      [VoltageClass.B, false],
      [VoltageClass.A, false],
      [VoltageClass.A, true],
    ]);
  });

  it('a class indicator without the current class moves to a class it lists', async () => {
    // TD1 = 0x80 (TD2, T=0), TD2 = 0x1F (TA3, T=15), TA3 = 0x03: classes A and B.
    const atr = withTck([0x3b, 0x80, 0x80, 0x1f, 0x03]);
    const card = new ScriptCard({ atr: [atr] });
    const rig = await withCard(card);
    expect(rig.powerOn(0, 0).error).toBe(0);
    expect(card.resets.map((r) => r.voltage)).toEqual([VoltageClass.C, VoltageClass.B]);
    // With the class chosen by the host, a card that refuses it ends with 0xF5.
    const rig2 = await withCard(new ScriptCard({ atr: [atr] }));
    expect(rig2.powerOn(0, 3).error).toBe(CcidError.IccClassNotSupported);
    expect(rig2.exports.icc_status(0)).toBe(1);
  });

  it('no ATR at all ends in ICC_MUTE after one warm reset (timeouts never disabled)', async () => {
    const card = new ScriptCard({ atr: [null] });
    const rig = await withCard(card);
    const done = rig.powerOn(0, 1);
    expect(done.error).toBe(CcidError.IccMute);
    expect(card.resets.map((r) => r.warm)).toEqual([false, true]);
    // Both resets waited 108 etu (40 000 clocks) for TS, not forever: done within ~20 ms.
    expect(done.at).toBeLessThan(20e6);
    expect(rig.exports.icc_status(0)).toBe(1);
    expect(rig.callsOf('card_power', 0).at(-1)!.args[1]).toBe(0);
  });

  it('no card in the slot: ICC_MUTE at once, no power', async () => {
    const rig = await Rig.create();
    expect(rig.powerOn(0, 1).error).toBe(CcidError.IccMute);
    expect(rig.callsOf('card_power', 0).filter((c) => c.args[1] !== 0)).toEqual([]);
    expect(rig.exports.icc_status(0)).toBe(2);
  });

  it('bPowerSelect outside 0..3 is refused with the index of the byte', async () => {
    const rig = await withCard(new ScriptCard({ atr: [SSC_ATR] }));
    expect(rig.powerOn(0, 7).error).toBe(7);
  });
});

describe('ATR', () => {
  it('inverse convention: 03 seen in direct convention switches the UART, TS reads 3F', async () => {
    // An inverse card: 3F 65 25 00 2C 09 69 90 00 style (T=0 only), sent in inverse coding.
    const atr = [0x3f, 0x65, 0x25, 0x00, 0x2c, 0x09, 0x69, 0x90, 0x00];
    expect(convert(0x3f, true, false)).toEqual({ byte: 0x03, ok: false });
    const rig = await withCard(new ScriptCard({ atr: [atr], inverse: true }));
    const done = rig.powerOn(0, 1);
    expect(done.error).toBe(0);
    expect(done.data).toEqual(atr);
    expect(rig.callsOf('card_uart', 0).some((c) => (c.args[4] & UartFlag.Inverse) !== 0)).toBe(
      true,
    );
    expect(rig.getParameters(0).data[1]).toBe(0x02); // bmTCCKST0: inverse
  });

  it('a TS that is neither convention ends in BAD_ATR_TS after one warm reset', async () => {
    const card = new ScriptCard({ atr: [[0x12, 0x00]] });
    const rig = await withCard(card);
    expect(rig.powerOn(0, 1).error).toBe(CcidError.BadAtrTs);
    expect(card.resets.map((r) => r.warm)).toEqual([false, true]);
  });

  it('a wrong TCK ends in BAD_ATR_TCK (osmo only logged it)', async () => {
    const good = t1Atr();
    const bad = [...good.slice(0, -1), good[good.length - 1] ^ 1];
    const card = new ScriptCard({ atr: [bad] });
    const rig = await withCard(card);
    expect(rig.powerOn(0, 1).error).toBe(CcidError.BadAtrTck);
    expect(card.resets).toHaveLength(2);
  });

  it('the warm reset rescues a card whose first ATR was bad', async () => {
    const good = t1Atr();
    const bad = [...good.slice(0, -1), good[good.length - 1] ^ 1];
    const card = new ScriptCard({ atr: [bad, good] });
    const rig = await withCard(card);
    const done = rig.powerOn(0, 1);
    expect(done.error).toBe(0);
    expect(done.data).toEqual(good);
  });

  it('an ATR that stalls in the historical bytes is mute after 9600 etu, not accepted', async () => {
    const stalled = SSC_ATR.slice(0, 10); // 13 historical bytes announced, 6 sent
    const card = new ScriptCard({ atr: [stalled] });
    const rig = await withCard(card);
    const done = rig.powerOn(0, 1);
    expect(done.error).toBe(CcidError.IccMute);
    const line = rig.lines[0];
    const lastChar = line.trace.filter((c) => c.from === 'card').at(-1)!.at;
    const etuNs = (372 / 5000) * 1e6;
    // The warm reset's ATR also stalled: the failure comes 9600 etu after its last character.
    expect(done.at - lastChar).toBeGreaterThanOrEqual(9600 * etuNs);
    expect(done.at - lastChar).toBeLessThan(9700 * etuNs);
    expect(rig.callsOf('card_wait', 0).some((c) => c.args[1] === 9600)).toBe(true);
  });

  it('an ATR slower than 20 160 etu in all is mute even with every gap under 9600 etu', async () => {
    const card = new ScriptCard({ atr: [SSC_ATR], atrOptions: { gapEtu: 2000 } });
    const rig = await withCard(card);
    expect(rig.powerOn(0, 1).error).toBe(CcidError.IccMute);
    // The same card with small gaps is fine.
    const rig2 = await withCard(new ScriptCard({ atr: [SSC_ATR], atrOptions: { gapEtu: 100 } }));
    expect(rig2.powerOn(0, 1).error).toBe(0);
  });

  it('TS later than 40 000 clocks is mute; at 39 000 clocks it is fine', async () => {
    const late = await Rig.create();
    late.lines[0].atrDelayClocks = 41000;
    late.insert(0, new ScriptCard({ atr: [SSC_ATR] }));
    expect(late.powerOn(0, 1).error).toBe(CcidError.IccMute);
    const inTime = await Rig.create();
    inTime.lines[0].atrDelayClocks = 39000;
    inTime.insert(0, new ScriptCard({ atr: [SSC_ATR] }));
    expect(inTime.powerOn(0, 1).error).toBe(0);
  });

  it('a parity error inside the ATR is a bad ATR (XFR_PARITY_ERROR after the retry)', async () => {
    const card = new ScriptCard({ atr: [SSC_ATR], atrOptions: { parityErrors: [4] } });
    const rig = await withCard(card);
    expect(rig.powerOn(0, 1).error).toBe(CcidError.XfrParityError);
  });

  it('more than 33 characters is refused', async () => {
    // T0 = 0x8F (TD1, 15 historical), then TD chains: 3B 8F 81 81 81 … grows past 33 bytes.
    const atr = [0x3b, 0x8f, ...new Array(20).fill(0x81), 0x01, ...new Array(15).fill(0x20)];
    const rig = await withCard(new ScriptCard({ atr: [atr] }));
    expect(rig.powerOn(0, 1).error).toBe(CcidError.XfrOverrun);
  });

  it('a protocol other than T=0 / T=1 is ICC_PROTOCOL_NOT_SUPPORTED', async () => {
    const atr = withTck([0x3b, 0x80, 0x02]); // TD1: T=2 only
    const rig = await withCard(new ScriptCard({ atr: [atr] }));
    expect(rig.powerOn(0, 1).error).toBe(CcidError.IccProtocolNotSupported);
  });

  it('the minimal T=0 ATR 3B 02 14 50: defaults 11 00 00 0A 00', async () => {
    const rig = await withCard(new ScriptCard({ atr: [MINIMAL_T0_ATR] }));
    expect(rig.powerOn(0, 1).data).toEqual(MINIMAL_T0_ATR);
    expect(rig.getParameters(0)).toEqual({ protocol: 0, data: [0x11, 0x00, 0x00, 0x0a, 0x00] });
  });

  it('T=1 specific bytes: IFSC, BWI/CWI, CRC from the first TA/TB/TC after T=1', async () => {
    const rig = await withCard(new ScriptCard({ atr: [t1Atr(0x96, 0x80, 0x52, true)] }));
    expect(rig.powerOn(0, 1).error).toBe(0);
    // TPDU level: the host has not negotiated yet, so F/D are still Fd/Dd.
    expect(rig.getParameters(0)).toEqual({
      protocol: 1,
      data: [0x11, 0x11, 0x00, 0x52, 0x00, 0x80, 0x00],
    });
  });
});

describe('specific mode (TA2)', () => {
  it('TA1 applies right after the ATR, no PPS', async () => {
    const rig = await withCard(new ScriptCard({ atr: [specificAtr(0x13, 0x00)] }));
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.getParameters(0).data[0]).toBe(0x13);
    expect(rig.callsOf('card_uart', 0).at(-1)!.args.slice(1, 3)).toEqual([372, 4]);
    expect(rig.lines[0].bytes('reader')).toEqual([]); // nothing sent: no PPS
  });

  it('TA1 the UART cannot run: a warm reset when TA2 b8 = 0, else PROTOCOL_NOT_SUPPORTED', async () => {
    // TA1 = 0x17: F 372 / D 64 < 8 clocks per etu.
    const changeable = new ScriptCard({ atr: [specificAtr(0x17, 0x00), MINIMAL_T0_ATR] });
    const rig = await withCard(changeable);
    const done = rig.powerOn(0, 1);
    expect(done.error).toBe(0);
    expect(done.data).toEqual(MINIMAL_T0_ATR);
    expect(changeable.resets.map((r) => r.warm)).toEqual([false, true]);

    const fixed = new ScriptCard({ atr: [specificAtr(0x17, 0x80)] });
    const rig2 = await withCard(fixed);
    expect(rig2.powerOn(0, 1).error).toBe(CcidError.IccProtocolNotSupported);
  });
});

describe('ATR properties', () => {
  // A generated ATR: random interface byte groups (T=0 / T=1 / T=15), historical bytes, TCK.
  const groups = fc.array(
    fc.record({
      ta: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
      tb: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
      tc: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
      t: fc.constantFrom(0, 1, 15),
    }),
    { maxLength: 3 },
  );
  const historical = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 8 });

  function build(gs: { ta?: number; tb?: number; tc?: number; t: number }[], hist: number[]) {
    const out = [0x3b];
    let yIndex = 1;
    out.push(hist.length);
    // Group 1 is TA1/TB1/TC1 with T0's Y; each TD(i) announces group i+1.
    const all = [{ ta: 0x11, tb: undefined, tc: undefined, t: 0 }, ...gs];
    let tckNeeded = false;
    for (let i = 0; i < all.length; i++) {
      const g = all[i];
      const next = gs[i];
      let y = 0;
      const bytes: number[] = [];
      if (g.ta !== undefined && i !== 1) ((y |= 1), bytes.push(g.ta)); // no TA2: negotiable mode
      if (g.tb !== undefined) ((y |= 2), bytes.push(g.tb));
      if (g.tc !== undefined) ((y |= 4), bytes.push(i === 1 ? 10 : g.tc)); // WI ≠ 0
      if (next) {
        y |= 8;
        bytes.push(0x00 | next.t); // Y filled below
        if (next.t !== 0) tckNeeded = true;
      }
      out[yIndex] = (out[yIndex] & 0x0f) | (y << 4);
      out.push(...bytes);
      if (next) yIndex = out.length - 1;
    }
    out.push(...hist);
    return tckNeeded ? withTck(out) : out;
  }

  it('every well-formed ATR is taken as it is; a flipped TCK is BAD_ATR_TCK', async () => {
    const rig = await Rig.create();
    await fc.assert(
      fc.asyncProperty(groups, historical, async (gs, hist) => {
        // IFSC / BWI of T=1 groups kept valid: the test is about structure.
        for (const g of gs) if (g.t === 1 && g.ta !== undefined) g.ta = (g.ta % 254) + 1;
        for (const g of gs) if (g.t === 1 && g.tb !== undefined) g.tb = g.tb & 0x7f;
        const atr = build(gs, hist);
        fc.pre(atr.length <= 33);
        const offered = new Set(gs.map((g) => g.t).filter((t) => t !== 15));
        fc.pre(!gs.some((g) => g.t === 15 && g.ta !== undefined)); // no class indicator here
        const card = new ScriptCard({ atr: [atr] });
        rig.insert(0, card, false);
        const done = rig.powerOn(0, 1);
        expect(done.error).toBe(0);
        expect(done.data).toEqual(atr);
        const first = gs.find((g) => g.t !== 15)?.t ?? 0;
        expect(rig.getParameters(0).protocol).toBe(offered.size ? first : 0);
        rig.exports.power_off(0);
        const tck = gs.some((g) => g.t !== 0);
        if (tck) {
          const bad = [...atr.slice(0, -1), atr[atr.length - 1] ^ 0x40];
          rig.insert(0, new ScriptCard({ atr: [bad] }), false);
          expect(rig.powerOn(0, 1).error).toBe(CcidError.BadAtrTck);
          rig.exports.power_off(0);
        }
        expect(xor(atr.slice(1))).toBe(tck ? 0 : xor(atr.slice(1)));
      }),
      { numRuns: 60, seed: 7 },
    );
  });

  it('random bytes as an ATR never trap and always complete', async () => {
    const rig = await Rig.create();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }),
        async (bytes) => {
          rig.insert(0, new ScriptCard({ atr: [bytes] }), false);
          const done = rig.powerOn(0, 1);
          expect(done.error === 0 || done.error >= 0xf0 || done.error === 7).toBe(true);
          rig.exports.power_off(0);
        },
      ),
      { numRuns: 150, seed: 11 },
    );
  });
});
