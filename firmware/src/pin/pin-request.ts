// The PIN request of a PC_to_RDR_Secure: the PIN verification or modification data structure,
// read and checked field by field before any key is read (CCID rev 1.1 §6.1.11;
// ../shared/reference/iso7816-and-ccid.md §B6; protocol/pin-structures.ts is the host's view of
// the same bytes). A request that could put typed digits anywhere but inside the data field of
// VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER or the social security card's CHANGE PIN
// (80 5E) is refused here, so that no key is read and nothing goes to the card.
//
// Positions. The PIN position of bmFormatString counts from the first data byte after Lc, in
// the structure's units (bits or bytes). In a modification, bInsertionOffsetOld/New (bytes) add
// to it for the current and the new PIN. The PIN-length field's position (bmPINLengthFormat)
// counts the same way.
//
// PIN block size 0 ("the reader sizes the block"): each PIN is inserted at its place in the
// template's data, the bytes after it move on, and the reader sets Lc. This is how a template
// without a PIN field works (OpenSC: "pin-pad has to set the Lc and fill PIN data itself"), and
// how the social security card's variable-length cn PINs are sent (kiosk-cards.md §1.5):
// `00 20 00 00` + Lc + 2..8 bytes of BCD with an odd length F-padded.
import {
  CCID_HEADER_LENGTH,
  CcidError,
  ChainLevel,
  PinOperation,
  PinConfirm,
  PIN_VERIFY_HEADER_LENGTH,
  PIN_MODIFY_HEADER_LENGTH,
  PIN_MESSAGE_COUNT,
  PinMessage,
} from '../../../protocol/ccid-constants';
import { PinStage } from '../../../protocol/native-constants';
import { isPinCommand } from '../../../protocol/pin-commands';
import { PIN_MAX_DIGITS } from './pin-constants';
import { configLanguage } from '../config/index';

/** A refusal: bError | REFUSED (so that CmdNotSupported, bError 0, is a refusal too). */
export const REFUSED: i32 = 0x100;
const OFFSET_LENGTH: i32 = 1; // dwLength
const OFFSET_LEVEL: i32 = 8; // wLevelParameter

/** CLA INS P1 P2 Lc + 255 data bytes: the longest short case-3 template. */
export const TEMPLATE_CAPACITY: i32 = 5 + 255;
/** The command as sent: the template with up to two inserted PINs, or its T=1 block. */
export const APDU_CAPACITY: i32 = TEMPLATE_CAPACITY + PIN_MAX_DIGITS * 2 + 3 + 2;

/** CLA FF is not a command class; at TPDU level right after the ATR it would start a PPS. */
const CLA_INVALID: i32 = 0xff;

export enum PinFormat {
  Binary = 0,
  Bcd = 1,
  Ascii = 2,
}

export const template = memory.data(TEMPLATE_CAPACITY);
export let templateLength: i32 = 0;
/** Where the data field starts in the template (5, or 4 when there is no Lc byte) and its size. */
export let dataLength: i32 = 0;

export let modify: bool = false;
export let timeoutS: i32 = 0;
export let format: i32 = PinFormat.Ascii;
export let rightJustified: bool = false;
/** Bits per digit: 4 in BCD, 8 in ASCII and binary (one digit per byte, 00..09). */
export let digitBits: i32 = 8;
/** 0 = the reader sizes the block and sets Lc (see above). */
export let blockBytes: i32 = 0;
export let lengthFieldBits: i32 = 0;
export let minDigits: i32 = 1;
export let maxDigits: i32 = PIN_MAX_DIGITS;
export let validation: i32 = 0;
export let langId: i32 = 0;
/** Bit offsets in the data field of the current (old) and the new PIN and of their lengths. */
export let oldBit: i32 = 0;
export let newBit: i32 = 0;
export let oldLengthBit: i32 = 0;
export let newLengthBit: i32 = 0;
/** bTeoPrologue NAD and PCB, used when the reader sends a T=1 block (compat, TPDU level). */
export let teoNad: i32 = 0;
export let teoPcb: i32 = 0;

/** The PINs the holder types, in order: PinStage per stage, and its prompt (-1: none). */
export const STAGE_CAPACITY: i32 = 3;
const stageKinds = memory.data(STAGE_CAPACITY * 4);
const stageMessages = memory.data(STAGE_CAPACITY * 4);
export let stageCount: i32 = 0;

export function stageKind(i: i32): i32 {
  return load<i32>(stageKinds + ((<usize>i) << 2));
}

export function stageMessage(i: i32): i32 {
  return load<i32>(stageMessages + ((<usize>i) << 2));
}

function byteAt(ptr: usize, i: i32): i32 {
  return <i32>load<u8>(ptr + <usize>i);
}

function refuse(abDataOffset: i32): i32 {
  const index = CCID_HEADER_LENGTH + abDataOffset;
  return REFUSED | (index > 0x7f ? 0x7f : index);
}

/**
 * Reads the Secure abData at `ptr` (`len` bytes; `level` = wLevelParameter). `t1Block`: the
 * reader will send the command as one T=1 block with bTeoPrologue (compat, TPDU level, T=1).
 * Returns 0, or REFUSED | bError.
 */
export function readPinRequest(ptr: usize, len: i32, level: i32, t1Block: bool): i32 {
  templateLength = 0;
  if (level != ChainLevel.Complete) return REFUSED | OFFSET_LEVEL;
  if (len < 1) return REFUSED | OFFSET_LENGTH;
  const operation = <i32>load<u8>(ptr);
  if (operation != PinOperation.Verify && operation != PinOperation.Modify) {
    // 02..06 belong to the two-step and T=1 chained forms this reader does not offer.
    return REFUSED | CcidError.CmdNotSupported;
  }
  modify = operation == PinOperation.Modify;
  const header = 1 + (modify ? PIN_MODIFY_HEADER_LENGTH : PIN_VERIFY_HEADER_LENGTH);
  if (len < header + 4 || len - header > TEMPLATE_CAPACITY) return REFUSED | OFFSET_LENGTH;
  timeoutS = byteAt(ptr, 1);
  const formatString = byteAt(ptr, 2);
  const blockString = byteAt(ptr, 3);
  const lengthFormat = byteAt(ptr, 4);
  // Field offsets after bmPINLengthFormat differ between the two structures.
  const offOld = modify ? 5 : -1;
  const offNew = modify ? 6 : -1;
  const offDigits = modify ? 7 : 5;
  const offConfirm = 9;
  const offValidation = modify ? 10 : 7;
  const offNumber = modify ? 11 : 8;
  const offLang = modify ? 12 : 9;
  const offIndex = modify ? 14 : 11;
  const offTeo = modify ? 17 : 12;

  // bmFormatString: b1..b0 = 11 is RFU.
  format = formatString & 0x03;
  if (format == 3) return refuse(2);
  rightJustified = (formatString & 0x04) != 0;
  digitBits = format == PinFormat.Bcd ? 4 : 8;
  const unitBits = (formatString & 0x80) != 0 ? 8 : 1;
  const position = ((formatString >> 3) & 0x0f) * unitBits;
  blockBytes = blockString & 0x0f;
  lengthFieldBits = blockString >> 4;
  const lengthPosition = (lengthFormat & 0x0f) * ((lengthFormat & 0x10) != 0 ? 8 : 1);

  validation = byteAt(ptr, offValidation);
  if (validation < 1 || validation > 7) return refuse(offValidation);
  // wLangId 0 leaves the language to the reader: the one provisioned (ConfigTag.Language).
  langId = byteAt(ptr, offLang) | (byteAt(ptr, offLang + 1) << 8);
  if (langId == 0) langId = configLanguage();

  // The stages: verification has one; modification the current PIN if asked, the new PIN,
  // and its confirmation if asked.
  let confirm = 0;
  stageCount = 0;
  if (modify) {
    confirm = byteAt(ptr, offConfirm);
    if ((confirm & ~(PinConfirm.ConfirmNew | PinConfirm.EnterCurrent)) != 0)
      return refuse(offConfirm);
    if ((confirm & PinConfirm.EnterCurrent) != 0) addStage(PinStage.Current);
    addStage(PinStage.New);
    if ((confirm & PinConfirm.ConfirmNew) != 0) addStage(PinStage.Confirm);
  } else {
    addStage(PinStage.Current);
  }
  const r = readMessages(byteAt(ptr, offNumber), ptr + <usize>offIndex, offNumber, offIndex);
  if (r != 0) return r;

  // The template: CLA INS P1 P2 [Lc data], short case 3 (or a header with no data yet).
  const t = ptr + <usize>header;
  const n = len - header;
  const cla = byteAt(t, 0);
  const ins = byteAt(t, 1);
  if (cla == CLA_INVALID) return refuse(header);
  // VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, or the SSC's CHANGE PIN (CLA 8x 5E).
  if (!isPinCommand(cla, ins)) return refuse(header + 1);
  if (n == 4) dataLength = 0;
  else if (n == 5 && byteAt(t, 4) == 0)
    dataLength = 0; // an Lc placeholder the reader fills in
  else if (byteAt(t, 4) == 0 || n != 5 + byteAt(t, 4))
    return refuse(header + 4); // extended, Le, or short
  else dataLength = byteAt(t, 4);
  const dataBits = dataLength * 8;

  // Where the PINs go.
  const oldOffset = modify ? byteAt(ptr, offOld) * 8 : 0;
  const newOffset = modify ? byteAt(ptr, offNew) * 8 : 0;
  oldBit = oldOffset + position;
  newBit = newOffset + position;
  const hasOld = stageKind(0) == PinStage.Current;
  if (hasOld && !fits(oldBit, dataBits)) return refuse(modify ? offOld : 2);
  if (modify && !fits(newBit, dataBits)) return refuse(offNew);
  if (modify && hasOld && blockBytes > 0) {
    const blockBits = blockBytes * 8;
    if (oldBit < newBit + blockBits && newBit < oldBit + blockBits) return refuse(offNew);
  }

  // The PIN-length field: a fixed block only (with an inserted PIN its place would move).
  let lengthMax = 0xff;
  if (lengthFieldBits > 0) {
    if (blockBytes == 0) return refuse(3);
    oldLengthBit = oldOffset + lengthPosition;
    newLengthBit = newOffset + lengthPosition;
    if (hasOld && oldLengthBit + lengthFieldBits > dataBits) return refuse(4);
    if (modify && newLengthBit + lengthFieldBits > dataBits) return refuse(4);
    if (lengthFieldBits < 8) lengthMax = (1 << lengthFieldBits) - 1;
  }

  // wPINMaxExtraDigit: XXYY, YY (first byte) maximum, XX minimum. The maximum shrinks to what
  // the keypad, the block and the length field hold.
  maxDigits = byteAt(ptr, offDigits);
  minDigits = byteAt(ptr, offDigits + 1);
  if (minDigits < 1) minDigits = 1;
  if (maxDigits > PIN_MAX_DIGITS) maxDigits = PIN_MAX_DIGITS;
  if (blockBytes > 0 && maxDigits > (blockBytes * 8) / digitBits)
    maxDigits = (blockBytes * 8) / digitBits;
  if (maxDigits > lengthMax) maxDigits = lengthMax;
  if (maxDigits < minDigits) return refuse(offDigits);
  if (blockBytes == 0) {
    const inserted = (hasOld ? 1 : 0) + (modify ? 1 : 0);
    if (dataLength + inserted * pinBytes(maxDigits) > 255) return refuse(offDigits);
  }

  // bTeoPrologue: the reader sends exactly this NAD and PCB; LEN must be the template's length
  // (the reader sets it to the command's). Only an I-block without chaining fits one command.
  if (t1Block) {
    teoNad = byteAt(ptr, offTeo);
    teoPcb = byteAt(ptr, offTeo + 1);
    if ((teoPcb & 0x80) != 0 || (teoPcb & 0x20) != 0) return refuse(offTeo + 1);
    if (byteAt(ptr, offTeo + 2) != n) return refuse(offTeo + 2);
  }

  memory.copy(template, t, <usize>n);
  templateLength = n;
  return 0;
}

/** Bytes of an inserted PIN of `digits` digits (BCD: two a byte, the odd one F-padded). */
export function pinBytes(digits: i32): i32 {
  return (digits * digitBits + 7) >> 3;
}

/** A PIN starting at `bit` lies inside the data field (or, inserted, starts inside or at its end). */
function fits(bit: i32, dataBits: i32): bool {
  if (blockBytes == 0) return (bit & 7) == 0 && bit <= dataBits;
  return bit + blockBytes * 8 <= dataBits;
}

function addStage(kind: i32): void {
  store<i32>(stageKinds + ((<usize>stageCount) << 2), kind);
  store<i32>(stageMessages + ((<usize>stageCount) << 2), -1);
  stageCount++;
}

/** bNumberMessage and bMsgIndex(1..3): which prompt each stage shows. */
function readMessages(number: i32, indexes: usize, offNumber: i32, offIndex: i32): i32 {
  const most = modify ? 3 : 1;
  if (number != 0xff && number > most) return refuse(offNumber);
  for (let i = 0; i < stageCount; i++) {
    let message = -1;
    if (number == 0xff) {
      message = defaultMessage(stageKind(i));
    } else if (i < number) {
      message = <i32>load<u8>(indexes + <usize>i);
      if (message >= PIN_MESSAGE_COUNT) return refuse(offIndex + i);
    } else if (number > 0) {
      // Fewer messages than PINs: the others get the reader's own prompt for that PIN.
      message = defaultMessage(stageKind(i));
    }
    store<i32>(stageMessages + ((<usize>i) << 2), message);
  }
  return 0;
}

function defaultMessage(kind: i32): i32 {
  if (kind == PinStage.New) return PinMessage.NewPin;
  if (kind == PinStage.Confirm) return PinMessage.ConfirmPin;
  return modify ? PinMessage.OldPin : PinMessage.EnterPin;
}

/** Forgets the request (the template holds no digit, but nothing should outlive the entry). */
export function clearPinRequest(): void {
  memory.fill(template, 0, <usize>TEMPLATE_CAPACITY);
  templateLength = 0;
}
