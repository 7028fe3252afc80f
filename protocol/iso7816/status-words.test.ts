import { describe, expect, it } from 'vitest';
import {
  formatStatusWord,
  statusWordMeaning,
  swExactLength,
  swTriesLeft,
  swTriesLeftOf,
} from './status-words.ts';

describe('statusWordMeaning', () => {
  it('knows the SSC table (kiosk-cards.md §1.5)', () => {
    expect(statusWordMeaning(0x9000).kind).toBe('ok');
    expect(statusWordMeaning(0x6a82)).toMatchObject({ kind: 'error', text: 'file not found' });
    expect(statusWordMeaning(0x6a88).text).toMatch(/key/);
    expect(statusWordMeaning(0x6983).text).toMatch(/blocked/);
    expect(statusWordMeaning(0x9303).text).toMatch(/permanently blocked/);
  });
  it('reads the counts inside 61xx, 6Cxx and 63Cx', () => {
    expect(statusWordMeaning(0x6110)).toMatchObject({ kind: 'more-data', available: 16 });
    expect(statusWordMeaning(0x6100)).toMatchObject({ kind: 'more-data', available: 256 });
    expect(statusWordMeaning(0x6c5b)).toMatchObject({ kind: 'wrong-length', available: 0x5b });
    expect(statusWordMeaning(0x63c2)).toMatchObject({ kind: 'error', triesLeft: 2 });
  });
  it('names warnings and unknown words without throwing', () => {
    expect(statusWordMeaning(0x6282).kind).toBe('warning');
    expect(statusWordMeaning(0x6310).kind).toBe('warning');
    expect(statusWordMeaning(0x1234)).toMatchObject({ kind: 'error', text: 'unknown status word' });
    expect(statusWordMeaning(-1).text).toBe('not a status word');
  });
  it('formats four hex digits', () => {
    expect(formatStatusWord(0x6a82)).toBe('6A82');
    expect(formatStatusWord(0x0001)).toBe('0001');
  });
  it('builds and reads 63Cx and 6Cxx', () => {
    expect(swTriesLeft(2)).toBe(0x63c2);
    expect(swTriesLeft(-1)).toBe(0x63c0);
    expect(swTriesLeft(99)).toBe(0x63cf);
    expect(swTriesLeftOf(0x63c2)).toBe(2);
    expect(swTriesLeftOf(0x6310)).toBeUndefined();
    expect(swTriesLeftOf(0x9000)).toBeUndefined();
    for (let n = 0; n <= 15; n++) expect(statusWordMeaning(swTriesLeft(n)).triesLeft).toBe(n);
    expect(swExactLength(0x12)).toBe(0x6c12);
    expect(swExactLength(256)).toBe(0x6c00);
    expect(statusWordMeaning(swExactLength(256)).available).toBe(256);
  });
});
