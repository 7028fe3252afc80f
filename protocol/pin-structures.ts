// abData of PC_to_RDR_Secure: bPINOperation, then the PIN verification or modification data
// structure field by field (CCID rev 1.1 §6.1.11; ../shared/reference/iso7816-and-ccid.md §B6,
// ccid-over-serial.md §10.3). These structures never carry a PIN: the reader collects the digits
// on its own keypad and writes them into the APDU template.

import {
  ByteFieldError,
  checkBytes,
  checkInt,
  checkU16,
  checkU8,
  readU16LE,
  writeU16LE,
} from './bytes.ts';
import { CcidMessageError } from './ccid-message-error.ts';
import {
  ChainLevel,
  PIN_MODIFY_HEADER_LENGTH,
  PIN_VERIFY_HEADER_LENGTH,
  PinOperation,
} from './ccid-constants.ts';

/** bmFormatString (b7 units, b6..b3 PIN position, b2 justification, b1..b0 format). */
export interface PinFormatString {
  readonly units: 'bits' | 'bytes';
  /** Position of the PIN in the APDU data, in `units`, 0..15. */
  readonly position: number;
  readonly justification: 'left' | 'right';
  /** b1..b0: 00 binary, 01 BCD, 10 ASCII, 11 RFU. */
  readonly format: 'binary' | 'bcd' | 'ascii' | 'rfu';
}

/** bmPINBlockString (b7..b4 size of the PIN-length field in bits, b3..b0 PIN block size). */
export interface PinBlockString {
  readonly lengthFieldBits: number;
  readonly blockSize: number;
}

/** bmPINLengthFormat (b7..b5 RFU, b4 units, b3..b0 position of the PIN-length field). */
export interface PinLengthFormat {
  readonly units: 'bits' | 'bytes';
  readonly position: number;
  /**
   * b7..b5, RFU. Kept, not rejected: hosts do send them (the test client of ccid-over-serial.md
   * §10.3 sends 0x47) and libccid passes the byte through untouched.
   */
  readonly rfu: number;
}

/** wPINMaxExtraDigit = XXYY: XX minimum, YY maximum number of digits (0x0408: 4 to 8). */
export interface PinDigits {
  readonly min: number;
  readonly max: number;
}

/** Fields shared by both structures, in wire order around the ones that differ. */
interface PinEntryCommon {
  /** bTimeOut, seconds; 0 = the reader's default. */
  readonly timeOut: number;
  readonly formatString: PinFormatString;
  readonly pinBlockString: PinBlockString;
  readonly pinLengthFormat: PinLengthFormat;
  readonly pinDigits: PinDigits;
  /** bEntryValidationCondition: bitmask of PinEntryValidation (max size, key, timeout). */
  readonly entryValidationCondition: number;
  /** bNumberMessage: 0 none, 1..3 messages, 0xFF the reader's default. */
  readonly numberMessage: number;
  /** wLangId, e.g. 0x0409 English, 0x0804 Chinese (PRC). */
  readonly langId: number;
  /** bTeoPrologue: NAD, PCB, LEN the reader must use for a T=1 TPDU; zeros for T=0. */
  readonly teoPrologue: readonly [number, number, number];
  /** abPINApdu: the APDU template that the PIN is written into. */
  readonly apdu: Uint8Array;
}

export interface PinVerifyStructure extends PinEntryCommon {
  readonly msgIndex: number;
}

export interface PinModifyStructure extends PinEntryCommon {
  /** bInsertionOffsetOld / New: where the current and the new PIN go, in units of formatString. */
  readonly insertionOffsetOld: number;
  readonly insertionOffsetNew: number;
  /** bConfirmPIN: bitmask of PinConfirm (confirm the new PIN, enter the current PIN). */
  readonly confirmPin: number;
  readonly msgIndex1: number;
  /** Present or absent on the wire; see MsgIndexRule. */
  readonly msgIndex2?: number;
  readonly msgIndex3?: number;
}

/** abData of a Secure command. */
export type SecurePayload =
  | { readonly kind: 'verify'; readonly structure: PinVerifyStructure }
  | { readonly kind: 'modify'; readonly structure: PinModifyStructure }
  /** bPINOperation 02..06 (and unknown ones): the bytes after bPINOperation, uninterpreted. */
  | { readonly kind: 'operation'; readonly operation: number; readonly data: Uint8Array }
  /** wLevelParameter says this command continues an earlier one: no bPINOperation. */
  | { readonly kind: 'continuation'; readonly data: Uint8Array };

/**
 * Which of bMsgIndex2 / bMsgIndex3 a modification structure carries.
 * - 'all-three': always both. What libccid sends to a GemPC Pinpad, whatever bNumberMessage says
 *   (commands.c SecurePINModify, BOGUS_PINPAD_FIRMWARE: it builds the frame as if bNumberMessage
 *   were 3, then writes the real value back). Our reader is driven as a GemPCPinPad in the compat
 *   profile, and our own driver does the same in the native profile, so this is the default.
 * - 'by-number-message': bMsgIndex2 iff bNumberMessage ≠ 0, bMsgIndex3 iff bNumberMessage ≥ 3
 *   (libccid's rule for other readers: its comment says "= 3", its code skips the byte only when
 *   bNumberMessage < 3, so the default 0xFF carries it too).
 */
export type MsgIndexRule = 'all-three' | 'by-number-message';

const FORMATS = ['binary', 'bcd', 'ascii', 'rfu'] as const;

export function decodeFormatString(b: number): PinFormatString {
  return {
    units: b & 0x80 ? 'bytes' : 'bits',
    position: (b >> 3) & 0x0f,
    justification: b & 0x04 ? 'right' : 'left',
    format: FORMATS[b & 0x03],
  };
}

export function encodeFormatString(f: PinFormatString): number {
  const format = FORMATS.indexOf(f.format);
  if (format < 0) {
    throw new ByteFieldError('formatString.format', `${String(f.format)} is not a PIN format`);
  }
  return (
    (f.units === 'bytes' ? 0x80 : 0) |
    (checkInt('formatString.position', f.position, 0, 15) << 3) |
    (f.justification === 'right' ? 0x04 : 0) |
    format
  );
}

export function decodePinBlockString(b: number): PinBlockString {
  return { lengthFieldBits: b >> 4, blockSize: b & 0x0f };
}

export function encodePinBlockString(p: PinBlockString): number {
  return (
    (checkInt('pinBlockString.lengthFieldBits', p.lengthFieldBits, 0, 15) << 4) |
    checkInt('pinBlockString.blockSize', p.blockSize, 0, 15)
  );
}

export function decodePinLengthFormat(b: number): PinLengthFormat {
  return { units: b & 0x10 ? 'bytes' : 'bits', position: b & 0x0f, rfu: b >> 5 };
}

export function encodePinLengthFormat(p: PinLengthFormat): number {
  return (
    (checkInt('pinLengthFormat.rfu', p.rfu, 0, 7) << 5) |
    (p.units === 'bytes' ? 0x10 : 0) |
    checkInt('pinLengthFormat.position', p.position, 0, 15)
  );
}

/**
 * Decodes a Secure abData. A complete (not chained) command must carry at least a 4-byte APDU
 * header in its template. A structure too short for its fields is a 'bad-dwlength' error.
 */
export function decodeSecurePayload(
  data: Uint8Array,
  levelParameter: number,
  rule: MsgIndexRule = 'all-three',
): SecurePayload {
  if (levelParameter !== ChainLevel.Complete && levelParameter !== ChainLevel.Begins) {
    return { kind: 'continuation', data: data.slice() };
  }
  if (data.length < 1) {
    throw new CcidMessageError('bad-dwlength', 'Secure without bPINOperation', 1);
  }
  const operation = data[0];
  const minApdu = levelParameter === ChainLevel.Complete ? 4 : 0;
  if (operation === PinOperation.Verify) {
    need(data, 1 + PIN_VERIFY_HEADER_LENGTH + minApdu, 'PIN verification structure');
    const c = decodeCommonHead(data, 1);
    return {
      kind: 'verify',
      structure: {
        ...c,
        pinDigits: pinDigits(data, 5),
        entryValidationCondition: data[7],
        numberMessage: data[8],
        langId: readU16LE(data, 9),
        msgIndex: data[11],
        teoPrologue: [data[12], data[13], data[14]],
        apdu: data.slice(15),
      },
    };
  }
  if (operation === PinOperation.Modify) {
    const numberMessage = data[11];
    const has2 = rule === 'all-three' || numberMessage !== 0;
    // libccid copies bMsgIndex3 unless bNumberMessage < 3, so also for the default 0xFF.
    const has3 = rule === 'all-three' || numberMessage >= 3;
    const header = PIN_MODIFY_HEADER_LENGTH - (has2 ? 0 : 1) - (has3 ? 0 : 1);
    need(data, 1 + header + minApdu, 'PIN modification structure');
    const c = decodeCommonHead(data, 1);
    let at = 14;
    const msgIndex1 = data[at++];
    const msgIndex2 = has2 ? data[at++] : undefined;
    const msgIndex3 = has3 ? data[at++] : undefined;
    const structure: PinModifyStructure = {
      ...c,
      insertionOffsetOld: data[5],
      insertionOffsetNew: data[6],
      pinDigits: pinDigits(data, 7),
      confirmPin: data[9],
      entryValidationCondition: data[10],
      numberMessage,
      langId: readU16LE(data, 12),
      msgIndex1,
      ...(msgIndex2 === undefined ? {} : { msgIndex2 }),
      ...(msgIndex3 === undefined ? {} : { msgIndex3 }),
      teoPrologue: [data[at], data[at + 1], data[at + 2]],
      apdu: data.slice(at + 3),
    };
    return { kind: 'modify', structure };
  }
  return { kind: 'operation', operation, data: data.slice(1) };

  function need(d: Uint8Array, n: number, what: string): void {
    if (d.length < n) {
      throw new CcidMessageError(
        'bad-dwlength',
        `${what}: ${d.length} bytes of abData, at least ${n} needed`,
        1,
      );
    }
  }
}

function decodeCommonHead(d: Uint8Array, at: number) {
  return {
    timeOut: d[at],
    formatString: decodeFormatString(d[at + 1]),
    pinBlockString: decodePinBlockString(d[at + 2]),
    pinLengthFormat: decodePinLengthFormat(d[at + 3]),
  };
}

function pinDigits(d: Uint8Array, at: number): PinDigits {
  // wPINMaxExtraDigit is little-endian XXYY: the low byte is YY (max), the high byte XX (min).
  return { min: d[at + 1], max: d[at] };
}

/** Encodes a Secure abData. Throws ByteFieldError when a field is out of range. */
export function encodeSecurePayload(p: SecurePayload): Uint8Array {
  switch (p.kind) {
    case 'continuation':
      return checkBytes('data', p.data).slice();
    case 'operation': {
      const data = checkBytes('data', p.data);
      const out = new Uint8Array(1 + data.length);
      out[0] = checkU8('operation', p.operation);
      out.set(data, 1);
      return out;
    }
    case 'verify': {
      const s = p.structure;
      const apdu = checkBytes('apdu', s.apdu);
      const out = new Uint8Array(1 + PIN_VERIFY_HEADER_LENGTH + apdu.length);
      out[0] = PinOperation.Verify;
      writeCommonHead(out, 1, s);
      writeDigits(out, 5, s.pinDigits);
      out[7] = checkU8('entryValidationCondition', s.entryValidationCondition);
      out[8] = checkU8('numberMessage', s.numberMessage);
      writeU16LE(out, 9, checkU16('langId', s.langId));
      out[11] = checkU8('msgIndex', s.msgIndex);
      writeTeo(out, 12, s.teoPrologue);
      out.set(apdu, 15);
      return out;
    }
    case 'modify': {
      const s = p.structure;
      const apdu = checkBytes('apdu', s.apdu);
      if (s.msgIndex3 !== undefined && s.msgIndex2 === undefined) {
        checkU8('msgIndex2 (required when msgIndex3 is present)', s.msgIndex2);
      }
      const header =
        PIN_MODIFY_HEADER_LENGTH -
        (s.msgIndex2 === undefined ? 1 : 0) -
        (s.msgIndex3 === undefined ? 1 : 0);
      const out = new Uint8Array(1 + header + apdu.length);
      out[0] = PinOperation.Modify;
      writeCommonHead(out, 1, s);
      out[5] = checkU8('insertionOffsetOld', s.insertionOffsetOld);
      out[6] = checkU8('insertionOffsetNew', s.insertionOffsetNew);
      writeDigits(out, 7, s.pinDigits);
      out[9] = checkU8('confirmPin', s.confirmPin);
      out[10] = checkU8('entryValidationCondition', s.entryValidationCondition);
      out[11] = checkU8('numberMessage', s.numberMessage);
      writeU16LE(out, 12, checkU16('langId', s.langId));
      let at = 14;
      out[at++] = checkU8('msgIndex1', s.msgIndex1);
      if (s.msgIndex2 !== undefined) out[at++] = checkU8('msgIndex2', s.msgIndex2);
      if (s.msgIndex3 !== undefined) out[at++] = checkU8('msgIndex3', s.msgIndex3);
      writeTeo(out, at, s.teoPrologue);
      out.set(apdu, at + 3);
      return out;
    }
  }
}

function writeCommonHead(out: Uint8Array, at: number, s: PinEntryCommon): void {
  out[at] = checkU8('timeOut', s.timeOut);
  out[at + 1] = encodeFormatString(s.formatString);
  out[at + 2] = encodePinBlockString(s.pinBlockString);
  out[at + 3] = encodePinLengthFormat(s.pinLengthFormat);
}

function writeDigits(out: Uint8Array, at: number, d: PinDigits): void {
  out[at] = checkU8('pinDigits.max', d.max);
  out[at + 1] = checkU8('pinDigits.min', d.min);
}

function writeTeo(out: Uint8Array, at: number, teo: readonly number[]): void {
  if (!Array.isArray(teo) || teo.length !== 3) checkInt('teoPrologue length', teo?.length, 3, 3);
  for (let i = 0; i < 3; i++) out[at + i] = checkU8(`teoPrologue[${i}]`, teo[i]);
}
