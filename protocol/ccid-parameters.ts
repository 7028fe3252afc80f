// abProtocolData of PC_to_RDR_SetParameters and RDR_to_PC_Parameters, field by field
// (CCID rev 1.1 §6.1.7; ../shared/reference/iso7816-and-ccid.md §B4).

import { ByteFieldError, checkInt, checkU8 } from './bytes.ts';
import { CcidMessageError } from './ccid-message-error.ts';
import { ProtocolNum, T0_PARAMETERS_LENGTH, T1_PARAMETERS_LENGTH } from './ccid-constants.ts';

/** bClockStop: 0 not allowed, 1 stop with CLK low, 2 high, 3 either. */
export type ClockStopSupport = 0 | 1 | 2 | 3;

export interface T0Parameters {
  readonly protocol: ProtocolNum.T0;
  /** FI and DI, the two nibbles of bmFindexDindex (coded as TA1). */
  readonly fi: number;
  readonly di: number;
  /** bmTCCKST0 b1: inverse convention. */
  readonly inverseConvention: boolean;
  /** bGuardTimeT0: N (TC1). */
  readonly guardTime: number;
  /** bWaitingIntegerT0: WI (TC2). */
  readonly waitingInteger: number;
  readonly clockStop: ClockStopSupport;
}

export interface T1Parameters {
  readonly protocol: ProtocolNum.T1;
  readonly fi: number;
  readonly di: number;
  /** bmTCCKST1 b0: CRC (true) or LRC (false). */
  readonly crc: boolean;
  /** bmTCCKST1 b1: inverse convention. */
  readonly inverseConvention: boolean;
  /** bGuardTimeT1: N (TC1). */
  readonly guardTime: number;
  /** bWaitingIntegersT1: BWI (high nibble) and CWI (low nibble). */
  readonly bwi: number;
  readonly cwi: number;
  readonly clockStop: ClockStopSupport;
  /** bIFSC. */
  readonly ifsc: number;
  /** bNadValue. */
  readonly nad: number;
}

export type ProtocolParameters = T0Parameters | T1Parameters;

/** bmTCCKST1 always has b4 set (0x10); b0 = CRC, b1 = inverse convention (§6.1.7). */
const TCCKST1_FIXED = 0x10;

/**
 * Decodes abProtocolData for `protocolNum`. `base` is the offset of abProtocolData in the whole
 * message, so that errors carry the message offset of the bad byte (as bError would).
 */
export function decodeProtocolParameters(
  protocolNum: number,
  data: Uint8Array,
  base: number,
): ProtocolParameters {
  if (protocolNum === ProtocolNum.T0) {
    if (data.length !== T0_PARAMETERS_LENGTH) {
      throw new CcidMessageError(
        'bad-dwlength',
        `T=0 parameters are ${T0_PARAMETERS_LENGTH} bytes, got ${data.length}`,
        1,
      );
    }
    const tcckst = data[1];
    if ((tcckst & ~0x02) !== 0) {
      throw new CcidMessageError(
        'bad-field',
        `bmTCCKST0 ${tcckst}: only 00 or 02 allowed`,
        base + 1,
      );
    }
    return {
      protocol: ProtocolNum.T0,
      fi: data[0] >> 4,
      di: data[0] & 0x0f,
      inverseConvention: tcckst === 0x02,
      guardTime: data[2],
      waitingInteger: data[3],
      clockStop: clockStop(data[4], base + 4),
    };
  }
  if (protocolNum === ProtocolNum.T1) {
    if (data.length !== T1_PARAMETERS_LENGTH) {
      throw new CcidMessageError(
        'bad-dwlength',
        `T=1 parameters are ${T1_PARAMETERS_LENGTH} bytes, got ${data.length}`,
        1,
      );
    }
    const tcckst = data[1];
    if ((tcckst & ~0x03) !== TCCKST1_FIXED) {
      throw new CcidMessageError(
        'bad-field',
        `bmTCCKST1 ${tcckst}: must be 10, 11, 12 or 13`,
        base + 1,
      );
    }
    return {
      protocol: ProtocolNum.T1,
      fi: data[0] >> 4,
      di: data[0] & 0x0f,
      crc: (tcckst & 0x01) !== 0,
      inverseConvention: (tcckst & 0x02) !== 0,
      guardTime: data[2],
      bwi: data[3] >> 4,
      cwi: data[3] & 0x0f,
      clockStop: clockStop(data[4], base + 4),
      ifsc: data[5],
      nad: data[6],
    };
  }
  throw new CcidMessageError(
    'bad-field',
    `bProtocolNum ${protocolNum}: only T=0 (0) and T=1 (1) are supported`,
    base - 1,
  );
}

function clockStop(v: number, offset: number): ClockStopSupport {
  if (v > 3) throw new CcidMessageError('bad-field', `bClockStop ${v}: must be 0..3`, offset);
  return v as ClockStopSupport;
}

/** Encodes abProtocolData. Throws ByteFieldError when a field is out of range. */
export function encodeProtocolParameters(p: ProtocolParameters): Uint8Array {
  const fidi = (checkInt('fi', p.fi, 0, 15) << 4) | checkInt('di', p.di, 0, 15);
  checkInt('clockStop', p.clockStop, 0, 3);
  if (p.protocol === ProtocolNum.T0) {
    return Uint8Array.of(
      fidi,
      p.inverseConvention ? 0x02 : 0x00,
      checkU8('guardTime', p.guardTime),
      checkU8('waitingInteger', p.waitingInteger),
      p.clockStop,
    );
  }
  if (p.protocol === ProtocolNum.T1) {
    return Uint8Array.of(
      fidi,
      TCCKST1_FIXED | (p.crc ? 0x01 : 0) | (p.inverseConvention ? 0x02 : 0),
      checkU8('guardTime', p.guardTime),
      (checkInt('bwi', p.bwi, 0, 15) << 4) | checkInt('cwi', p.cwi, 0, 15),
      p.clockStop,
      checkU8('ifsc', p.ifsc),
      checkU8('nad', p.nad),
    );
  }
  throw new ByteFieldError(
    'protocol',
    `${String((p as { protocol: unknown }).protocol)} is not 0 or 1`,
  );
}
