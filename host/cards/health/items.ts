// Data items of the resident health card (kiosk-cards.md §3; tags from one implementation, [M]).
// Codes: `an` text (GBK), `cn` F-padded BCD ('' when unset, FF), `b` hex.
import { toHex } from '../../iso7816/hex.ts';
import { Iso7816FormatError } from '../../../protocol/iso7816/format-error.ts';
import { parseSimpleTlvs } from '../../iso7816/simple-tlv.ts';
import { decodeAn } from '../../iso7816/text.ts';
import { CardError } from '../card-error.ts';
import { NationalCode } from '../national-codes.ts';

export type Records = Map<number, Uint8Array>;

export function parseHealthRecords(
  bytes: Uint8Array,
  file: string,
  into: Records = new Map(),
): Records {
  try {
    for (const t of parseSimpleTlvs(bytes)) if (!into.has(t.tag)) into.set(t.tag, t.value);
  } catch (e) {
    if (e instanceof Iso7816FormatError)
      throw new CardError(NationalCode.WRONG_CARD_TYPE, `${file}: ${e.message}`, {
        role: 'card',
        cause: e,
      });
    throw e;
  }
  return into;
}

export function an(r: Records, tag: number, file: string): string {
  const v = need(r, tag, file);
  try {
    return decodeAn(v).trim();
  } catch (e) {
    throw new CardError(
      NationalCode.WRONG_CARD_TYPE,
      `${file} item ${hex(tag)}: ${(e as Error).message}`,
      { role: 'card', cause: e },
    );
  }
}

export function cn(r: Records, tag: number, file: string): string {
  return toHex(need(r, tag, file)).replace(/F+$/, '');
}

export function b(r: Records, tag: number, file: string): string {
  return toHex(need(r, tag, file));
}

function need(r: Records, tag: number, file: string): Uint8Array {
  const v = r.get(tag);
  if (!v)
    throw new CardError(-0x6a83, `${file} has no item ${hex(tag)}`, { role: 'card', sw: 0x6a83 });
  return v;
}

function hex(tag: number): string {
  return tag.toString(16).toUpperCase().padStart(2, '0');
}

/** ABO blood type, WS 364 code CV04.50.005 (the card's coding is UNCONFIRMED in the reference). */
export const ABO_LABELS: Readonly<Record<string, string>> = {
  '01': 'A',
  '02': 'B',
  '03': 'O',
  '04': 'AB',
  '05': 'unknown',
};
/** Rh blood type, WS 364 code CV04.50.020. */
export const RH_LABELS: Readonly<Record<string, string>> = {
  '1': 'negative',
  '2': 'positive',
  '3': 'unknown',
};

/** Medical warning flags (b1, 00 no / 01 yes), tags 2B … 36 and 38 (§3). */
export const WARNING_TAGS = {
  asthma: 0x2b,
  heartDisease: 0x2c,
  cardiovascular: 0x2d,
  epilepsy: 0x2e,
  coagulation: 0x2f,
  diabetes: 0x30,
  glaucoma: 0x31,
  dialysis: 0x32,
  transplant: 0x33,
  organMissing: 0x34,
  prosthesis: 0x35,
  pacemaker: 0x36,
  psychiatric: 0x38,
} as const;
export type WarningName = keyof typeof WARNING_TAGS;
