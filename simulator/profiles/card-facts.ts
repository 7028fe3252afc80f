// The card facts of protocol/cards (item tags, lengths and codings, key ids) in the form profile
// data is written in: tags and ids as hex strings.
import type { CardItem } from '../../protocol/cards/items.ts';
import type { ItemSpec } from './profile-schema.ts';

/** One byte as two uppercase hex digits, e.g. 0x0a → "0A". */
export function hexByte(value: number): string {
  return value.toString(16).toUpperCase().padStart(2, '0');
}

/** A BER-TLV tag of one or more bytes as hex, e.g. 0x5f20 → "5F20". */
export function hexTag(tag: number): string {
  const digits = tag.toString(16).toUpperCase();
  return digits.length % 2 === 0 ? digits : '0' + digits;
}

/**
 * A SIMPLE-TLV record holding the persona field `item`, laid out as the card item says. `offset`:
 * where this part starts in a value split across two items (09 姓名 and 4E 姓名扩展).
 */
export function itemRecord(
  spec: CardItem,
  item: string,
  offset?: number,
): ItemSpec & { tag: string } {
  return {
    tag: hexByte(spec.tag),
    item,
    type: spec.coding,
    len: spec.length,
    ...(offset === undefined ? {} : { offset }),
  };
}
