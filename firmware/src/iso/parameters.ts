// The transmission parameters of one slot, and their CCID abProtocolData layouts
// (../shared/reference/iso7816-and-ccid.md §B4): T=0 5 bytes, T=1 7 bytes.
import {
  fiFromCode,
  diFromCode,
  DEFAULT_TA1,
  DEFAULT_WI,
  DEFAULT_IFSC,
  DEFAULT_CWI,
  DEFAULT_BWI,
  DEFAULT_F,
} from '../../../protocol/iso7816-tables';
import {
  ProtocolNum,
  T0_PARAMETERS_LENGTH,
  T1_PARAMETERS_LENGTH,
  CCID_HEADER_LENGTH,
  ERROR_INDEX_LENGTH,
  ERROR_INDEX_PARAMETER,
} from '../../../protocol/ccid-constants';
import { UartFlag, MIN_CLOCKS_PER_ETU } from '../../hal-constants';
import { card_uart } from '../hal';

/** bmTCCKST1 always has b4 set (§B4); b0 = CRC, b1 = inverse convention. */
const TCCKST1_BASE: i32 = 0x10;
const TCCKST_CRC: i32 = 0x01;
const TCCKST_INVERSE: i32 = 0x02;
/** BWI 10..15 are RFU (ISO 7816-3 §11.4.3). */
const MAX_BWI: i32 = 9;

/** True if the reader's UART can run this FI/DI byte: both codes defined, F/D ≥ its limit. */
export function fiDiSupported(fiDi: i32): bool {
  const f = fiFromCode((fiDi >> 4) & 0x0f);
  const d = diFromCode(fiDi & 0x0f);
  return f != 0 && d != 0 && f >= MIN_CLOCKS_PER_ETU * d;
}

export class Params {
  protocol: i32 = ProtocolNum.T0;
  /** FI << 4 | DI in effect on the card line. */
  fiDi: i32 = DEFAULT_TA1;
  /** Extra guard time N (TC1). */
  n: i32 = 0;
  wi: i32 = DEFAULT_WI;
  bwi: i32 = DEFAULT_BWI;
  cwi: i32 = DEFAULT_CWI;
  ifsc: i32 = DEFAULT_IFSC;
  nad: i32 = 0;
  crc: bool = false;
  inverse: bool = false;
  /** CCID bClockStop: 0 not allowed, 1 low, 2 high, 3 either (the ATR's clock stop indicator). */
  clockStop: i32 = 0;

  reset(): void {
    this.protocol = ProtocolNum.T0;
    this.fiDi = DEFAULT_TA1;
    this.n = 0;
    this.wi = DEFAULT_WI;
    this.bwi = DEFAULT_BWI;
    this.cwi = DEFAULT_CWI;
    this.ifsc = DEFAULT_IFSC;
    this.nad = 0;
    this.crc = false;
    this.inverse = false;
    this.clockStop = 0;
  }

  copyFrom(other: Params): void {
    this.protocol = other.protocol;
    this.fiDi = other.fiDi;
    this.n = other.n;
    this.wi = other.wi;
    this.bwi = other.bwi;
    this.cwi = other.cwi;
    this.ifsc = other.ifsc;
    this.nad = other.nad;
    this.crc = other.crc;
    this.inverse = other.inverse;
    this.clockStop = other.clockStop;
  }

  f(): i32 {
    const f = fiFromCode((this.fiDi >> 4) & 0x0f);
    return f == 0 ? DEFAULT_F : f;
  }

  d(): i32 {
    const d = diFromCode(this.fiDi & 0x0f);
    return d == 0 ? 1 : d;
  }

  /** Sets the card UART: F, D, N, convention, and the T=1 character frame if `t1Frame`. */
  applyUart(slot: i32, t1Frame: bool): void {
    let flags: i32 = 0;
    if (this.inverse) flags |= UartFlag.Inverse;
    if (t1Frame) flags |= UartFlag.T1;
    card_uart(slot, this.f(), this.d(), this.n, flags);
  }

  /** T=0 work waiting time in etu: 960 · WI · D (ISO 7816-3 §10.2; osmo 066489d forgot D). */
  wwtEtu(): i32 {
    return 960 * this.wi * this.d();
  }

  /** T=1 character waiting time: (11 + 2^CWI) etu (§11.4.3). */
  cwtEtu(): i32 {
    return 11 + (1 << this.cwi);
  }

  /**
   * T=1 block waiting time in etu of the current F/D, times a WTX multiplier: 11 etu +
   * 2^BWI · 960 · Fd / f seconds, Fd = 372 (§11.4.3), i.e. 2^BWI · 960 · 372 · D / F etu.
   */
  bwtEtu(multiplier: i32): i32 {
    const wait: i64 =
      ((<i64>(1 << this.bwi) * 960 * <i64>DEFAULT_F * <i64>this.d()) / <i64>this.f()) *
      <i64>(multiplier < 1 ? 1 : multiplier);
    const total: i64 = wait + 11;
    return total > <i64>i32.MAX_VALUE ? i32.MAX_VALUE : <i32>total;
  }

  /** Writes abProtocolData at `out`; returns (bProtocolNum << 8) | length. */
  write(out: usize): i32 {
    store<u8>(out, <u8>this.fiDi);
    if (this.protocol == ProtocolNum.T1) {
      let tcckst = TCCKST1_BASE;
      if (this.crc) tcckst |= TCCKST_CRC;
      if (this.inverse) tcckst |= TCCKST_INVERSE;
      store<u8>(out + 1, <u8>tcckst);
      store<u8>(out + 2, <u8>this.n);
      store<u8>(out + 3, <u8>((this.bwi << 4) | this.cwi));
      store<u8>(out + 4, <u8>this.clockStop);
      store<u8>(out + 5, <u8>this.ifsc);
      store<u8>(out + 6, <u8>this.nad);
      return (ProtocolNum.T1 << 8) | T1_PARAMETERS_LENGTH;
    }
    store<u8>(out + 1, <u8>(this.inverse ? TCCKST_INVERSE : 0));
    store<u8>(out + 2, <u8>this.n);
    store<u8>(out + 3, <u8>this.wi);
    store<u8>(out + 4, <u8>this.clockStop);
    return (ProtocolNum.T0 << 8) | T0_PARAMETERS_LENGTH;
  }

  /**
   * Checks a SetParameters abProtocolData; returns 0 or bError, the offset of the offending
   * byte in the CCID message (abProtocolData starts at offset 10).
   */
  static check(protocol: i32, ptr: usize, len: i32, inverse: bool): i32 {
    if (protocol != ProtocolNum.T0 && protocol != ProtocolNum.T1) return ERROR_INDEX_PARAMETER;
    const want = protocol == ProtocolNum.T1 ? T1_PARAMETERS_LENGTH : T0_PARAMETERS_LENGTH;
    if (len != want) return ERROR_INDEX_LENGTH;
    if (!fiDiSupported(<i32>load<u8>(ptr))) return CCID_HEADER_LENGTH;
    const tcckst = <i32>load<u8>(ptr + 1);
    const inverseBit = inverse ? TCCKST_INVERSE : 0;
    if (protocol == ProtocolNum.T0) {
      if (tcckst != inverseBit) return CCID_HEADER_LENGTH + 1;
      if (load<u8>(ptr + 3) == 0) return CCID_HEADER_LENGTH + 3; // WI = 0 is RFU
    } else {
      if ((tcckst & ~TCCKST_CRC) != (TCCKST1_BASE | inverseBit)) return CCID_HEADER_LENGTH + 1;
      if ((<i32>load<u8>(ptr + 3)) >> 4 > MAX_BWI) return CCID_HEADER_LENGTH + 3;
      const ifsc = <i32>load<u8>(ptr + 5);
      if (ifsc < 1 || ifsc > 0xfe) return CCID_HEADER_LENGTH + 5;
      if (((<i32>load<u8>(ptr + 6)) & 0x88) != 0) return CCID_HEADER_LENGTH + 6; // NAD b4, b8 = 0
    }
    if (<i32>load<u8>(ptr + 4) > 3) return CCID_HEADER_LENGTH + 4;
    return 0;
  }

  /** Takes a checked abProtocolData (see `check`). */
  read(protocol: i32, ptr: usize): void {
    this.protocol = protocol;
    this.fiDi = <i32>load<u8>(ptr);
    this.n = <i32>load<u8>(ptr + 2);
    this.clockStop = <i32>load<u8>(ptr + 4);
    if (protocol == ProtocolNum.T1) {
      this.crc = ((<i32>load<u8>(ptr + 1)) & TCCKST_CRC) != 0;
      const wis = <i32>load<u8>(ptr + 3);
      this.bwi = wis >> 4;
      this.cwi = wis & 0x0f;
      this.ifsc = <i32>load<u8>(ptr + 5);
      this.nad = <i32>load<u8>(ptr + 6);
    } else {
      this.wi = <i32>load<u8>(ptr + 3);
    }
  }
}
