// Text in card data elements. `an` fields are left-aligned and right-padded with 00 bytes
// (kiosk-cards.md §1.3); Chinese text is GBK. We decode with GB18030, a superset of GBK that
// also covers the four-byte sequences some issuers may use for rare characters (生僻字).
import iconv from 'iconv-lite';
import { Iso7816FormatError } from '../../protocol/iso7816/format-error.ts';

const gb18030 = new TextDecoder('gb18030', { fatal: true });

/**
 * Decodes an `an` field: the bytes before the first 00, as GB18030 (ASCII-compatible). Bytes after
 * the first 00 must all be 00; a GBK sequence never contains 00, so cutting there is safe.
 */
export function decodeAn(bytes: Uint8Array): string {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  for (let i = end; i < bytes.length; i++)
    if (bytes[i] !== 0) throw new Iso7816FormatError('text', 'data after the 00 padding', i);
  try {
    return gb18030.decode(bytes.subarray(0, end));
  } catch {
    throw new Iso7816FormatError('text', 'not valid GBK/GB18030 text');
  }
}

/** Encodes text as GB18030 (identical to GBK for every GBK character), optionally 00-padded. */
export function encodeGb18030(text: string, length?: number): Uint8Array {
  return padTo(new Uint8Array(iconv.encode(text, 'gb18030')), length);
}

function padTo(bytes: Uint8Array, length?: number): Uint8Array {
  if (length === undefined) return bytes;
  if (bytes.length > length)
    throw new Iso7816FormatError('text', `${bytes.length} bytes do not fit in ${length}`);
  const out = new Uint8Array(length);
  out.set(bytes);
  return out;
}
