import { describe, expect, it } from 'vitest';
import { ProtocolNum } from '../../protocol/ccid-constants.ts';
import { CONTROL_TIMEOUT_MS, exchangeTimeoutMs, powerOnTimeoutMs } from './card-timeouts.ts';

const t0 = {
  protocol: ProtocolNum.T0,
  fi: 1,
  di: 1,
  inverseConvention: false,
  guardTime: 0,
  waitingInteger: 10,
  clockStop: 0,
} as const;
const t1 = {
  protocol: ProtocolNum.T1,
  fi: 1,
  di: 1,
  crc: false,
  inverseConvention: false,
  guardTime: 0,
  bwi: 4,
  cwi: 13,
  clockStop: 0,
  ifsc: 32,
  nad: 0,
} as const;

describe('card timeouts (libccid T0_card_timeout / T1_card_timeout)', () => {
  it('gives the 232 133 ms pcscd logs for ATR 3B 02 14 50 (T=0, F=372, D=1, WI=10, 4 MHz)', () => {
    const ms = exchangeTimeoutMs(t0);
    expect(ms).toBeGreaterThanOrEqual(232_133);
    expect(ms).toBeLessThanOrEqual(232_134);
  });

  it('gives about 201 s for T=1 at the defaults (BWI 4, CWI 13)', () => {
    expect(exchangeTimeoutMs(t1) / 1000).toBeCloseTo(201, 0);
  });

  it('follows WI, BWI and the rate, and never goes below the control timeout', () => {
    expect(exchangeTimeoutMs({ ...t0, waitingInteger: 1 })).toBeLessThan(exchangeTimeoutMs(t0) / 9);
    expect(exchangeTimeoutMs({ ...t1, bwi: 7 })).toBeGreaterThan(exchangeTimeoutMs(t1));
    // TA1 = 96 (F 512, D 32) with CWI 0: CWT is tiny; the floor holds.
    expect(exchangeTimeoutMs({ ...t1, fi: 9, di: 6, cwi: 0, bwi: 0 })).toBe(CONTROL_TIMEOUT_MS);
  });

  it('allows an ATR with a warm-reset retry at power-on, like libccid’s 60 s', () => {
    expect(powerOnTimeoutMs()).toBeGreaterThan(55_000);
    expect(powerOnTimeoutMs()).toBeLessThan(66_000);
  });
});
