import { describe, expect, it } from 'vitest';
import { recordFileLength, type CardItems } from './items.ts';
import * as health from './health.ts';
import { SSC_EF05, SSC_EF06 } from './ssc.ts';

const tables: Record<string, CardItems> = {
  SSC_EF05,
  SSC_EF06,
  HEALTH_DDF1_EF05: health.HEALTH_DDF1_EF05,
  HEALTH_DDF1_EF06: health.HEALTH_DDF1_EF06,
  HEALTH_DDF1_EF08: health.HEALTH_DDF1_EF08,
  HEALTH_DF01_EF05: health.HEALTH_DF01_EF05,
  HEALTH_DF01_EF06: health.HEALTH_DF01_EF06,
  HEALTH_DF01_EF07: health.HEALTH_DF01_EF07,
  HEALTH_DF01_EF08: health.HEALTH_DF01_EF08,
  HEALTH_DF02_EF05: health.HEALTH_DF02_EF05,
  HEALTH_DF02_EF06: health.HEALTH_DF02_EF06,
};

describe('card item tables', () => {
  it('give whole-file lengths for one READ RECORD (kiosk-cards.md §1.4)', () => {
    // EF05: 7 items, 50 bytes of values; EF06: 7 items, 77 bytes (57 on a 1.0 card without 4E).
    expect(recordFileLength(SSC_EF05)).toBe(64);
    expect(recordFileLength(SSC_EF06)).toBe(91);
  });
  it('use every SIMPLE-TLV tag once within a file, never 00 or FF, lengths that fit one byte', () => {
    for (const [name, items] of Object.entries(tables)) {
      const tags = Object.values(items).map((i) => i.tag);
      expect(new Set(tags).size, name).toBe(tags.length);
      for (const { tag, length } of Object.values(items)) {
        expect(tag > 0 && tag < 0xff, `${name} ${tag}`).toBe(true);
        expect(length > 0 && length < 0xff, `${name} ${tag}`).toBe(true);
      }
    }
  });
});
