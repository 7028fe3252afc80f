import { describe, expect, it } from 'vitest';
import { formatStatusWord, statusWordMeaning } from './status-words.ts';

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
});
