// A data item of a card file (kiosk-cards.md §1.3, §3): its record identifier, which is the
// SIMPLE-TLV tag of its record, its value length and how the value is coded. The tables of the
// social security card and the health card (ssc.ts, health.ts) are written with it; the host
// decodes records by them and the simulator's profiles lay out their files by them.

/**
 * `an` ASCII left-aligned, 00-padded; `cn` digits (BCD, hex digits allowed), left-aligned,
 * F-padded; `b` binary; `gbk` text in GBK, 00-padded.
 */
export type ItemCoding = 'an' | 'cn' | 'b' | 'gbk';

export interface CardItem {
  readonly tag: number;
  /** Value length in bytes ("Len" of the specification tables). */
  readonly length: number;
  readonly coding: ItemCoding;
}

/** The items of one record file, by name, in record order. */
export type CardItems = Readonly<Record<string, CardItem>>;

/** Bytes of a whole file read in one READ RECORD (P2 = 05): Σ (tag + length byte + value). */
export function recordFileLength(items: CardItems | readonly CardItem[]): number {
  return Object.values(items).reduce((n, item) => n + 2 + item.length, 0);
}
