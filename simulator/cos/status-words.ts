// The status words this card operating system answers with (《社会保障(个人)卡规范》 Part 5
// table 5, quoted in kiosk-cards.md §1.5; 6A84 from ISO 7816-4 §5.1.3).

export const SW = {
  OK: 0x9000,
  WRONG_LENGTH: 0x6700,
  INVALID_STATE: 0x6901,
  FILE_STRUCTURE: 0x6981,
  SECURITY_NOT_SATISFIED: 0x6982,
  AUTH_BLOCKED: 0x6983,
  REFERENCED_DATA_INVALID: 0x6984,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  NO_CURRENT_EF: 0x6986,
  SM_DATA_WRONG: 0x6988,
  WRONG_DATA: 0x6a80,
  FUNCTION_NOT_SUPPORTED: 0x6a81,
  FILE_NOT_FOUND: 0x6a82,
  RECORD_NOT_FOUND: 0x6a83,
  NOT_ENOUGH_MEMORY: 0x6a84,
  WRONG_P1P2: 0x6a86,
  KEY_NOT_FOUND: 0x6a88,
  WRONG_OFFSET: 0x6b00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  NO_PRECISE_DIAGNOSIS: 0x6f00,
} as const;

/** 63Cx: verification or authentication failed, x tries left (0 = now blocked). */
export function swTriesLeft(tries: number): number {
  return 0x63c0 | Math.max(0, Math.min(15, tries));
}

/** 6Cxx: wrong Le, xx = the exact length (00 = 256). */
export function swExactLength(n: number): number {
  return 0x6c00 | (n & 0xff);
}
