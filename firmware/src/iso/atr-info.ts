// What a complete ATR says (ISO 7816-3 §8.3): global interface bytes, the protocols offered,
// the T=1 specific bytes, and the class and clock-stop indicator.
import { CcidError } from '../../../protocol/ccid-constants';
import {
  DEFAULT_WI,
  DEFAULT_IFSC,
  DEFAULT_BWI,
  DEFAULT_CWI,
  DEFAULT_TA1,
} from '../../../protocol/iso7816-tables';
import { T1_MAX_INF } from '../../../protocol/t1-constants';
import { Params } from './parameters';

/** TA2 (§8.3): b8 = 1 the card cannot leave specific mode, b5 = 1 parameters implicit. */
export const TA2_UNABLE_TO_CHANGE: i32 = 0x80;
export const TA2_IMPLICIT: i32 = 0x10;
/** The T=15 TA byte (§8.3): b1 class A, b2 class B, b3 class C; b8-b7 clock stop. */
export const CLASS_A: i32 = 0x01;
export const CLASS_B: i32 = 0x02;
export const CLASS_C: i32 = 0x04;
const CLASS_MASK: i32 = 0x3f;
const GLOBAL_T: i32 = 15;

export class AtrInfo {
  /** -1 when absent. */
  ta1: i32 = -1;
  ta2: i32 = -1;
  n: i32 = 0;
  wi: i32 = DEFAULT_WI;
  ifsc: i32 = DEFAULT_IFSC;
  bwi: i32 = DEFAULT_BWI;
  cwi: i32 = DEFAULT_CWI;
  crc: bool = false;
  /** Class indicator bits (CLASS_*); 0 = not indicated. */
  classes: i32 = 0;
  /** Clock stop indicator, b8-b7 of the T=15 TA byte (= CCID bClockStop). */
  clockStop: i32 = 0;
  /** Bit T set for every protocol T (0..14) a TDi offers; T=0 alone when no TD1. */
  protocols: i32 = 1;
  /** The protocol to use: TA2's in specific mode, else the first offered (§8.2.3). */
  protocol: i32 = 0;

  /** Walks the interface bytes of `len` ATR bytes at `atr`; returns 0 or a CcidError. */
  decode(atr: usize, len: i32): i32 {
    this.ta1 = -1;
    this.ta2 = -1;
    this.n = 0;
    this.wi = DEFAULT_WI;
    this.ifsc = DEFAULT_IFSC;
    this.bwi = DEFAULT_BWI;
    this.cwi = DEFAULT_CWI;
    this.crc = false;
    this.classes = 0;
    this.clockStop = 0;
    this.protocols = 0;
    let first: i32 = -1;
    let y = (<i32>load<u8>(atr + 1)) >> 4;
    let pos: i32 = 2;
    let group: i32 = 1;
    let t: i32 = 0; // protocol of TD(group - 1); bytes of group ≥ 3 are specific to it
    let t1Ta = false;
    let t1Tb = false;
    let t1Tc = false;
    let t15Ta = false;
    for (;;) {
      if (pos + popcnt(y) > len) return CcidError.IccProtocolNotSupported; // cannot happen
      if (y & 1) {
        const ta = <i32>load<u8>(atr + <usize>pos);
        pos++;
        if (group == 1) this.ta1 = ta;
        else if (group == 2) this.ta2 = ta;
        else if (t == 1 && !t1Ta) {
          t1Ta = true;
          this.ifsc = ta;
        } else if (t == GLOBAL_T && !t15Ta) {
          t15Ta = true;
          this.classes = ta & CLASS_MASK;
          this.clockStop = ta >> 6;
        }
      }
      if (y & 2) {
        const tb = <i32>load<u8>(atr + <usize>pos);
        pos++;
        if (group >= 3 && t == 1 && !t1Tb) {
          t1Tb = true;
          this.bwi = tb >> 4;
          this.cwi = tb & 0x0f;
        }
      }
      if (y & 4) {
        const tc = <i32>load<u8>(atr + <usize>pos);
        pos++;
        if (group == 1) this.n = tc;
        else if (group == 2) this.wi = tc;
        else if (group >= 3 && t == 1 && !t1Tc) {
          t1Tc = true;
          this.crc = (tc & 1) != 0;
        }
      }
      if ((y & 8) == 0) break;
      const td = <i32>load<u8>(atr + <usize>pos);
      pos++;
      t = td & 0x0f;
      if (t != GLOBAL_T) {
        this.protocols |= 1 << t;
        if (first < 0) first = t;
      }
      y = td >> 4;
      group++;
    }
    if (first < 0) {
      first = 0;
      this.protocols = 1;
    }
    this.protocol = this.ta2 >= 0 ? this.ta2 & 0x0f : first;
    if (this.protocol > 1) return CcidError.IccProtocolNotSupported;
    if (this.protocol == 0 && this.wi == 0) return CcidError.IccProtocolNotSupported; // WI 0 RFU
    if (this.protocol == 1) {
      if (this.ifsc < 1 || this.ifsc > T1_MAX_INF) return CcidError.IccProtocolNotSupported;
      if (this.bwi > 9) return CcidError.IccProtocolNotSupported; // BWI 10..15 RFU
    }
    return 0;
  }

  /** Specific mode: TA2 present (§8.3). */
  specific(): bool {
    return this.ta2 >= 0;
  }

  /** The FI/DI in force right after the ATR: TA1 in specific mode (unless implicit), else Fd/Dd. */
  initialFiDi(): i32 {
    if (this.specific() && (this.ta2 & TA2_IMPLICIT) == 0 && this.ta1 >= 0) return this.ta1;
    return DEFAULT_TA1;
  }

  /** Parameters right after the ATR (before any PPS). */
  toParams(p: Params, inverse: bool): void {
    p.reset();
    p.protocol = this.protocol;
    p.fiDi = this.initialFiDi();
    p.n = this.n;
    p.wi = this.wi;
    p.bwi = this.bwi;
    p.cwi = this.cwi;
    p.ifsc = this.ifsc;
    p.crc = this.crc;
    p.inverse = inverse;
    p.clockStop = this.clockStop;
  }
}
