// The bank (PBOC / UnionPay) application on the same chip (kiosk-cards.md §4, JR/T 0025, EMV
// Book 3): card number, expiry and holder name. Fewest commands: SELECT the UnionPay AIDs directly
// (PSE only when none answers), GET PROCESSING OPTIONS, then READ RECORD along the AFL until the
// items are found. Tag 5A is the PAN; 57 (Track 2 equivalent data) is the fallback.
import { randomBytes } from 'node:crypto';
import { EMV_TAG, PSE_NAME, UNIONPAY_AIDS } from '../../../protocol/cards/bank.ts';
import { findBerTlv, parseBerTlvs, type BerTlv } from '../../iso7816/ber-tlv.ts';
import { decodeCn } from '../../iso7816/bcd.ts';
import { fromHex, toHex } from '../../iso7816/hex.ts';
import { Iso7816FormatError } from '../../../protocol/iso7816/format-error.ts';
import { SW } from '../../../protocol/iso7816/status-words.ts';
import { CardError } from '../card-error.ts';
import { withTransaction, type CardChannel } from '../channel.ts';
import { NationalCode } from '../national-codes.ts';
import { command, transceive } from '../transceive.ts';
import { buildDolData, parseDol } from './dol.ts';

/** The UnionPay AIDs in the order they are tried (protocol/cards/bank.ts). */
const UNIONPAY_AID_ORDER = [UNIONPAY_AIDS.debit, UNIONPAY_AIDS.credit, UNIONPAY_AIDS.quasiCredit];

export interface BankCardData {
  /** The AID that answered. */
  aid: string;
  /** Primary account number (digits). */
  pan: string;
  /** Where the PAN came from: 5A, or 57 when the card has no 5A. */
  panSource: '5A' | '57';
  /** 5F24 application expiry date YYMMDD; YYMM from 57 when 5F24 is absent; '' if neither. */
  expiry: string;
  /** 5F20 cardholder name, trimmed; '' when the card has none. */
  holderName: string;
  /** 5F34 PAN sequence number, when present. */
  panSequenceNumber?: string;
}

export interface BankReadOptions {
  /** 9F37 unpredictable number source (tests fix it). */
  random?: (n: number) => Uint8Array;
}

export async function readBankCard(
  card: CardChannel,
  options: BankReadOptions = {},
): Promise<BankCardData> {
  return withTransaction(card, async () => {
    const { aid, fci } = await selectApplication(card);
    const found = new Map<number, Uint8Array>();
    const collect = (nodes: BerTlv[]): void => {
      for (const tag of [
        EMV_TAG.PAN,
        EMV_TAG.TRACK2,
        EMV_TAG.EXPIRY_DATE,
        EMV_TAG.CARDHOLDER_NAME,
        EMV_TAG.PAN_SEQUENCE_NUMBER,
      ]) {
        const hit = findBerTlv(nodes, tag);
        if (hit && !found.has(tag)) found.set(tag, hit.value);
      }
    };
    const done = (): boolean =>
      found.has(EMV_TAG.PAN) &&
      found.has(EMV_TAG.EXPIRY_DATE) &&
      found.has(EMV_TAG.CARDHOLDER_NAME);

    const afl = await processingOptions(
      card,
      fci,
      options.random ?? ((n) => new Uint8Array(randomBytes(n))),
    );
    if (afl) {
      for (const { sfi, record } of afl) {
        collect(
          tlv(
            await command(card, readRecord(sfi, record), {
              label: `READ RECORD SFI ${sfi} #${record}`,
            }),
            'record',
          ),
        );
        if (done()) break;
      }
    } else {
      // §4 fallback without GPO: SFI 2 record 1.
      collect(
        tlv(await command(card, readRecord(2, 1), { label: 'READ RECORD SFI 2 #1' }), 'record'),
      );
    }
    return bankData(aid, found);
  });
}

function readRecord(sfi: number, record: number) {
  return { cla: 0x00, ins: 0xb2, p1: record, p2: (sfi << 3) | 0b100, ne: 256 };
}

/** The first UnionPay AID the card selects; the PSE directory when none does. */
async function selectApplication(card: CardChannel): Promise<{ aid: string; fci: BerTlv[] }> {
  for (const aid of UNIONPAY_AID_ORDER) {
    const r = await transceive(
      card,
      { cla: 0, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(aid), ne: 256 },
      { label: `SELECT ${aid}` },
    );
    if (r.sw === SW.OK) return { aid, fci: tlv(r.data, 'FCI') };
    if (
      r.sw !== SW.FILE_NOT_FOUND &&
      r.sw !== SW.FUNCTION_NOT_SUPPORTED &&
      r.sw !== SW.FILE_DEACTIVATED
    )
      throw CardError.fromStatusWord(r.sw, `SELECT ${aid}`);
  }
  const fromPse = await pseAids(card);
  for (const aid of fromPse) {
    const r = await transceive(
      card,
      { cla: 0, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(aid), ne: 256 },
      { label: `SELECT ${aid}` },
    );
    if (r.sw === SW.OK) return { aid, fci: tlv(r.data, 'FCI') };
  }
  throw new CardError(
    NationalCode.WRONG_CARD_TYPE,
    'no bank application on this card (no UnionPay AID, no PSE entry)',
    { role: 'card' },
  );
}

/** SELECT PSE, then the directory records of its SFI (tag 88): the AIDs (4F) in 61 entries. */
async function pseAids(card: CardChannel): Promise<string[]> {
  const r = await transceive(
    card,
    { cla: 0, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(PSE_NAME), ne: 256 },
    { label: 'SELECT PSE' },
  );
  if (r.sw !== SW.OK) return [];
  const sfi = findBerTlv(tlv(r.data, 'PSE FCI'), EMV_TAG.DIRECTORY_SFI)?.value[0] ?? 1;
  const aids: string[] = [];
  for (let n = 1; n <= 16; n++) {
    const rec = await transceive(card, readRecord(sfi, n), { label: `READ RECORD PSE #${n}` });
    if (rec.sw !== SW.OK) break;
    const collect = (nodes: BerTlv[]): void => {
      for (const node of nodes) {
        if (node.tag === EMV_TAG.ADF_NAME) aids.push(toHex(node.value));
        if (node.children) collect(node.children);
      }
    };
    collect(tlv(rec.data, 'PSE record'));
  }
  return aids;
}

/**
 * GET PROCESSING OPTIONS with the PDOL (9F38) of the FCI filled in; returns the AFL entries, or
 * undefined when the card refuses GPO (the §4 fallback then reads SFI 2 record 1).
 */
async function processingOptions(
  card: CardChannel,
  fci: BerTlv[],
  random: (n: number) => Uint8Array,
): Promise<{ sfi: number; record: number }[] | undefined> {
  const pdol = findBerTlv(fci, EMV_TAG.PDOL);
  let dolData: Uint8Array = new Uint8Array(0);
  if (pdol) {
    try {
      dolData = buildDolData(
        parseDol(pdol.value),
        new Map([
          [0x5f2a, Uint8Array.of(0x01, 0x56)],
          [0x9f1a, Uint8Array.of(0x01, 0x56)],
          [0x9f37, random(4)],
        ]),
      );
    } catch (e) {
      if (e instanceof Iso7816FormatError)
        throw new CardError(NationalCode.WRONG_CARD_TYPE, `PDOL: ${e.message}`, {
          role: 'card',
          cause: e,
        });
      throw e;
    }
  }
  const data = Uint8Array.of(EMV_TAG.COMMAND_TEMPLATE, dolData.length, ...dolData);
  const r = await transceive(
    card,
    { cla: 0x80, ins: 0xa8, p1: 0, p2: 0, data, ne: 256 },
    { label: 'GET PROCESSING OPTIONS' },
  );
  if (r.sw === SW.CONDITIONS_NOT_SATISFIED || r.sw === SW.INS_NOT_SUPPORTED) return undefined;
  if (r.sw !== SW.OK) throw CardError.fromStatusWord(r.sw, 'GET PROCESSING OPTIONS');
  const nodes = tlv(r.data, 'GPO answer');
  let afl: Uint8Array | undefined;
  const format1 = nodes.find((n) => n.tag === EMV_TAG.RESPONSE_FORMAT_1);
  if (format1)
    afl = format1.value.subarray(2); // AIP (2) ‖ AFL
  else afl = findBerTlv(nodes, EMV_TAG.AFL)?.value;
  if (!afl || afl.length % 4 !== 0)
    throw new CardError(NationalCode.WRONG_CARD_TYPE, 'GET PROCESSING OPTIONS: no valid AFL', {
      role: 'card',
    });
  const entries: { sfi: number; record: number }[] = [];
  for (let i = 0; i < afl.length; i += 4) {
    const sfi = afl[i] >> 3;
    const first = afl[i + 1];
    const last = afl[i + 2];
    if (sfi < 1 || sfi > 30 || first < 1 || last < first)
      throw new CardError(
        NationalCode.WRONG_CARD_TYPE,
        `AFL entry ${toHex(afl.subarray(i, i + 4))} is invalid`,
        { role: 'card' },
      );
    for (let rec = first; rec <= last; rec++) entries.push({ sfi, record: rec });
  }
  return entries;
}

function bankData(aid: string, found: Map<number, Uint8Array>): BankCardData {
  const pan5a = found.get(EMV_TAG.PAN);
  const track2 = found.get(EMV_TAG.TRACK2);
  let pan: string;
  let panSource: '5A' | '57';
  let expiry = '';
  if (pan5a) {
    pan = cn(pan5a, '5A');
    panSource = '5A';
  } else if (track2) {
    // EMV Book 3 Annex A: PAN ‖ D ‖ YYMM ‖ service code ‖ discretionary data [‖ F].
    const hex = toHex(track2);
    const d = hex.indexOf('D');
    if (d < 1 || !/^[0-9]+$/.test(hex.slice(0, d)))
      throw new CardError(NationalCode.WRONG_CARD_TYPE, 'Track 2 data (57) has no PAN', {
        role: 'card',
      });
    pan = hex.slice(0, d);
    panSource = '57';
    expiry = hex.slice(d + 1, d + 5);
  } else {
    throw new CardError(
      NationalCode.WRONG_CARD_TYPE,
      'the bank application has neither 5A nor 57',
      { role: 'card' },
    );
  }
  const exp = found.get(EMV_TAG.EXPIRY_DATE);
  if (exp) expiry = toHex(exp);
  const name = found.get(EMV_TAG.CARDHOLDER_NAME);
  const psn = found.get(EMV_TAG.PAN_SEQUENCE_NUMBER);
  return {
    aid,
    pan,
    panSource,
    expiry,
    holderName: name ? new TextDecoder('gb18030').decode(name).replace(/\0+$/, '').trim() : '',
    ...(psn ? { panSequenceNumber: toHex(psn) } : {}),
  };
}

function cn(bytes: Uint8Array, what: string): string {
  try {
    return decodeCn(bytes);
  } catch (e) {
    throw new CardError(
      NationalCode.WRONG_CARD_TYPE,
      `${what} is not BCD: ${(e as Error).message}`,
      { role: 'card', cause: e },
    );
  }
}

function tlv(bytes: Uint8Array, what: string): BerTlv[] {
  try {
    return parseBerTlvs(bytes);
  } catch (e) {
    if (e instanceof Iso7816FormatError)
      throw new CardError(NationalCode.WRONG_CARD_TYPE, `${what} is not BER-TLV: ${e.message}`, {
        role: 'card',
        cause: e,
      });
    throw e;
  }
}
