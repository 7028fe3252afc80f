import { describe, expect, it } from 'vitest';
import { pushBounded } from './bounded.ts';

describe('pushBounded', () => {
  it('keeps the newest entries', () => {
    const list: number[] = [];
    for (let i = 0; i < 10; i++) pushBounded(list, i, 3);
    expect(list).toEqual([7, 8, 9]);
  });
});
