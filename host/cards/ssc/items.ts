// Decoding SSSE EF05 (发卡机构数据文件) and EF06 (持卡人基本信息文件), kiosk-cards.md §1.3
// (S5 table 9). Records are SIMPLE-TLV, the tag is the record identifier; the items' tags and
// lengths are protocol/cards/ssc.ts.
import { SSC_EF05, SSC_EF06 } from '../../../protocol/cards/ssc.ts';
import { toHex } from '../../iso7816/hex.ts';
import { Iso7816FormatError } from '../../../protocol/iso7816/format-error.ts';
import { parseSimpleTlvs, type SimpleTlv } from '../../iso7816/simple-tlv.ts';
import { decodeAn } from '../../iso7816/text.ts';
import { CardError } from '../card-error.ts';
import { NationalCode } from '../national-codes.ts';

/** EF05, typed. Strings as the national interface prints them. */
export interface SscIssuerData {
  /** 卡识别码: 32 hex digits. */
  cardId: string;
  /** 发卡地区行政区划代码: the first 6 digits of 卡识别码. */
  regionCode: string;
  /** 卡的类别: '1' preschool child, '2' student, '3' adult, '4' elderly. */
  cardCategory: string;
  /** 规范版本 as on the card, e.g. '3.00', '2.0' ('' → treat as 1.0x). */
  specVersion: string;
  /** 初始化机构编号: 24 hex digits (it holds a non-BCD sequence byte, e.g. …511300DB). */
  initialisingOrg: string;
  /** 发卡日期 YYYYMMDD. */
  issueDate: string;
  /** 卡有效期 YYYYMMDD. */
  expiryDate: string;
  /** 卡号: the first 9 characters (S7 §10.4); not validated (§6 item 7). */
  cardNumber: string;
}

/** EF06, typed. */
export interface SscHolderData {
  /** 社会保障号码 (18 characters). */
  socialSecurityNumber: string;
  /** 姓名 ‖ 姓名扩展, trimmed. */
  name: string;
  /** 性别 (GB 2261.1): '1' male, '2' female, '9' unspecified. */
  sex: string;
  /** 民族 (GB 3304) two digits, '' when unset (FF). */
  ethnicity: string;
  /** 出生地 (GB/T 2260) six digits, '' when empty. */
  birthplace: string;
  /** 出生日期 YYYYMMDD, '' when empty. */
  birthDate: string;
  /** Whether the card has the 4E item at all (2.0/3.0 cards do, 1.0 cards do not). */
  hasNameExtension: boolean;
}

/** Parses the records of a file (one READ RECORD answer, or several concatenated). */
export function parseRecords(bytes: Uint8Array, file: string): Map<number, Uint8Array> {
  let tlvs: SimpleTlv[];
  try {
    tlvs = parseSimpleTlvs(bytes);
  } catch (e) {
    throw malformed(`${file} records: ${(e as Error).message}`, e);
  }
  const map = new Map<number, Uint8Array>();
  for (const t of tlvs) if (!map.has(t.tag)) map.set(t.tag, t.value);
  return map;
}

export function decodeIssuerData(records: Map<number, Uint8Array>): SscIssuerData {
  const cardIdBytes = need(records, SSC_EF05.cardId.tag, 'EF05');
  if (cardIdBytes.length !== 16)
    throw new CardError(
      NationalCode.BAD_CARD_ID_FORMAT,
      `卡识别码 has ${cardIdBytes.length} bytes, not 16`,
    );
  const cardId = toHex(cardIdBytes);
  if (!/^[0-9]{6}/.test(cardId))
    throw new CardError(
      NationalCode.BAD_CARD_ID_FORMAT,
      `卡识别码 ${cardId} does not start with a region code`,
    );
  return {
    cardId,
    regionCode: cardId.slice(0, 6),
    cardCategory: an(records, SSC_EF05.cardCategory.tag, 'EF05'),
    specVersion: an(records, SSC_EF05.specVersion.tag, 'EF05'),
    initialisingOrg: toHex(need(records, SSC_EF05.initialisingOrg.tag, 'EF05')),
    issueDate: cn(records, SSC_EF05.issueDate.tag, 'EF05'),
    expiryDate: cn(records, SSC_EF05.expiryDate.tag, 'EF05'),
    cardNumber: an(records, SSC_EF05.cardNumber.tag, 'EF05').slice(0, 9),
  };
}

export function decodeHolderData(records: Map<number, Uint8Array>): SscHolderData {
  const name = need(records, SSC_EF06.name.tag, 'EF06');
  const extension = records.get(SSC_EF06.nameExtension.tag);
  // Join the bytes before decoding: a GBK character may straddle the 30-byte boundary of 09.
  const joined = concat(stripZeros(name), extension ? stripZeros(extension) : new Uint8Array(0));
  return {
    socialSecurityNumber: an(records, SSC_EF06.socialSecurityNumber.tag, 'EF06'),
    name: text(joined, 'EF06 姓名').trim(),
    sex: an(records, SSC_EF06.sex.tag, 'EF06'),
    ethnicity: cn(records, SSC_EF06.ethnicity.tag, 'EF06'),
    birthplace: cn(records, SSC_EF06.birthplace.tag, 'EF06'),
    birthDate: cn(records, SSC_EF06.birthDate.tag, 'EF06'),
    hasNameExtension: extension !== undefined,
  };
}

/** The spec version as a number for decisions (first 3 characters; '' → 1.0, §1.2). */
export function specVersionNumber(specVersion: string): number {
  const v = Number.parseFloat(specVersion.slice(0, 3));
  return Number.isFinite(v) ? v : 1.0;
}

/** 3.0 cards keep EF06 behind RKSSSE external authentication (S7 §10.2). */
export function needsRksssse(issuer: SscIssuerData): boolean {
  return specVersionNumber(issuer.specVersion) >= 3;
}

function need(records: Map<number, Uint8Array>, tag: number, file: string): Uint8Array {
  const v = records.get(tag);
  if (!v) throw malformed(`${file} has no item ${tag.toString(16).padStart(2, '0').toUpperCase()}`);
  return v;
}

function an(records: Map<number, Uint8Array>, tag: number, file: string): string {
  return text(need(records, tag, file), `${file} item ${tag.toString(16).toUpperCase()}`);
}

function text(bytes: Uint8Array, what: string): string {
  try {
    return decodeAn(bytes);
  } catch (e) {
    if (e instanceof Iso7816FormatError) throw malformed(`${what}: ${e.message}`, e);
    throw e;
  }
}

/**
 * `cn` as the national interface prints it: the hex digits with the F padding removed. For
 * well-formed data this is the BCD value; anything else is shown, not rejected, as a kiosk would.
 */
function cn(records: Map<number, Uint8Array>, tag: number, file: string): string {
  return toHex(need(records, tag, file)).replace(/F+$/, '');
}

function stripZeros(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.subarray(0, end);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function malformed(message: string, cause?: unknown): CardError {
  // A social security card whose records do not parse is not one we can read: −1 卡类型不对.
  return new CardError(NationalCode.WRONG_CARD_TYPE, message, { role: 'card', cause });
}
