import { describe, expect, it } from 'vitest';
import { CardError, toCardError } from './card-error.ts';
import { nationalCodeOfStatusWord, nationalCodeText } from './national-codes.ts';

describe('national codes', () => {
  it('turns a status word into −(SW1·256 + SW2) (kiosk-cards.md §2.6)', () => {
    expect(nationalCodeOfStatusWord(0x6a82)).toBe(-27266);
    expect(nationalCodeOfStatusWord(0x63c2)).toBe(-25538);
    expect(nationalCodeOfStatusWord(0x9303)).toBe(-37635);
    expect(nationalCodeOfStatusWord(0x6700)).toBe(-26368);
  });
  it('reads 63Cx by the SW value, not by the order of S7 (§6 item 6)', () => {
    expect(nationalCodeText(-25538).zh).toBe('外部认证失败，剩余可尝试次数2次');
    expect(nationalCodeText(-25536).en).toBe('authentication failed, 0 tries left');
  });
  it('has the S7 texts of the named codes and of the listed status words', () => {
    expect(nationalCodeText(-2201).zh).toBe('无PSAM卡');
    expect(nationalCodeText(-2203).zh).toBe('PSAM卡内没有RKSSSE密钥');
    expect(nationalCodeText(-27266).zh).toBe('未找到文件、文件标识相重、SFI不正确');
    expect(nationalCodeText(-1).zh).toBe('卡类型不对');
    expect(nationalCodeText(-99999).zh).toBe('未知错误');
    expect(nationalCodeText(0.5).zh).toBe('未知错误');
  });
});

describe('CardError', () => {
  it('carries the code, the S7 text and a JSON form', () => {
    const e = CardError.fromStatusWord(0x63c1, 'EXTERNAL AUTHENTICATE 0A');
    expect(e).toBeInstanceOf(Error);
    expect(e.cardError).toBe(true);
    expect(e.code).toBe(-25537);
    expect(e.text).toBe('外部认证失败，剩余可尝试次数1次');
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      name: 'CardError',
      code: -25537,
      message: 'EXTERNAL AUTHENTICATE 0A: card answered 63C1 (authentication failed, 1 tries left)',
      text: '外部认证失败，剩余可尝试次数1次',
      role: 'card',
      sw: '63C1',
      command: 'EXTERNAL AUTHENTICATE 0A',
      triesLeft: 1,
    });
  });
  it("keeps a driver error's national code, else says −4", () => {
    expect(toCardError(Object.assign(new Error('x'), { nationalCode: -3 })).code).toBe(-3);
    expect(toCardError(new Error('timeout')).code).toBe(-4);
    expect(toCardError('weird').message).toBe('card: weird');
    expect(toCardError(Object.assign(new Error('x'), { nationalCode: 5 })).code).toBe(-4);
  });
});
