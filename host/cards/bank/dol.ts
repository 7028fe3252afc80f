// Data object lists (EMV Book 3 §5.4): a PDOL is tag ‖ length pairs; the terminal answers with the
// values concatenated, each exactly that long.
import { Iso7816FormatError } from '../../../protocol/iso7816/format-error.ts';

export interface DolEntry {
  tag: number;
  length: number;
}

export function parseDol(bytes: Uint8Array): DolEntry[] {
  const out: DolEntry[] = [];
  let i = 0;
  while (i < bytes.length) {
    const start = i;
    let tag = bytes[i++];
    if ((tag & 0x1f) === 0x1f) {
      do {
        if (i >= bytes.length) throw new Iso7816FormatError('ber-tlv', 'truncated DOL tag', start);
        tag = tag * 256 + bytes[i];
        if (tag > 0xffffff) throw new Iso7816FormatError('ber-tlv', 'DOL tag too long', start);
      } while (bytes[i++] & 0x80);
    }
    if (i >= bytes.length)
      throw new Iso7816FormatError('ber-tlv', 'DOL entry without length', start);
    out.push({ tag, length: bytes[i++] });
  }
  return out;
}

/**
 * The values a kiosk terminal puts into a PDOL: what the kiosk code of kiosk-cards.md §4 sends
 * (9F02 amount 0, 5F2A / 9F1A = 0156 China), the unpredictable number, zeros for the rest.
 * A value longer than the slot is cut on the right, a shorter one padded with 00 (EMV Book 3 §5.4).
 */
export function buildDolData(
  dol: readonly DolEntry[],
  values: ReadonlyMap<number, Uint8Array>,
): Uint8Array {
  const out = new Uint8Array(dol.reduce((n, e) => n + e.length, 0));
  let at = 0;
  for (const e of dol) {
    const v = values.get(e.tag);
    if (v) out.set(v.subarray(0, e.length), at);
    at += e.length;
  }
  return out;
}
