// Decoding the data items of the resident health card (kiosk-cards.md §3, [M]); the items' tags
// and lengths are protocol/cards/health.ts.
// Codes: `an` text (GBK), `cn` F-padded BCD ('' when unset, FF), `b` hex.
import { toHex } from '../../iso7816/hex.ts';
import { Iso7816FormatError } from '../../../protocol/iso7816/format-error.ts';
import { SW } from '../../../protocol/iso7816/status-words.ts';
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
    throw new CardError(-0x6a83, `${file} has no item ${hex(tag)}`, {
      role: 'card',
      sw: SW.RECORD_NOT_FOUND,
    });
  return v;
}

function hex(tag: number): string {
  return tag.toString(16).toUpperCase().padStart(2, '0');
}
