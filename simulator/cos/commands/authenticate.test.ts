import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../protocol/bytes.ts';
import { sendHex, sendOk } from '../../profiles/card-harness.ts';
import { resolveCardSpec, sscPersona } from '../../profiles/index.ts';
import { sscCardKey } from '../../profiles/keys.ts';
import { authData, sessionKey } from '../crypto.ts';

const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF';
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

function ssse(spec = 'ssc3', random?: () => number) {
  const os = resolveCardSpec(spec, random ? { random } : {}).os;
  sendOk(os, SELECT_SSSE);
  return os;
}

/** What the right key answers to the card's challenge (KEYS.md §2). */
function rkAnswer(spec: string, challenge: string, oi = '0102030405060708'): string {
  const p = sscPersona(spec);
  const alg = spec.startsWith('ssc2') ? '3DES' : 'SM4';
  const sk = sessionKey(alg, sscCardKey('RKSSSE', alg, p.cardId), fromHex(challenge));
  return hex(authData(alg, sk, fromHex(oi))) + oi;
}

describe('GET CHALLENGE', () => {
  it('Le 04, 08, 10; anything else → 6700; P1/P2 → 6A86', () => {
    const os = ssse();
    expect(sendOk(os, '0084000004')).toHaveLength(8);
    expect(sendOk(os, '0084000008')).toHaveLength(16);
    expect(sendOk(os, '0084000010')).toHaveLength(32);
    for (const c of ['0084000005', '0084000000', '00840000'])
      expect(sendHex(os, c).sw, c).toBe('6700');
    expect(sendHex(os, '0084010008').sw).toBe('6A86');
    expect(sendHex(os, '8084000008').sw).toBe('6E00');
  });

  it('is deterministic for one seed and differs for another', () => {
    const a = ssse('ssc3');
    const b = ssse('ssc3');
    expect(sendOk(a, '0084000008')).toBe(sendOk(b, '0084000008'));
    let x = 0.5;
    const c = ssse('ssc3', () => (x = (x * 9301 + 0.49297) % 1));
    expect(sendOk(c, '0084000008')).not.toBe(sendOk(ssse('ssc3'), '0084000008'));
  });
});

describe('INTERNAL AUTHENTICATE', () => {
  it('answers authData(SK(IRK, PF), OI) with P2 00 or 08 and the key version 01', () => {
    const os = ssse();
    const p = sscPersona('ssc3');
    const sk = sessionKey('SM4', sscCardKey('IRK', 'SM4', p.cardId), fromHex('1111111111111111'));
    const expected = hex(authData('SM4', sk, fromHex('2222222222222222')));
    expect(sendOk(os, '008800001011111111111111112222222222222222')).toBe(expected);
    expect(sendOk(os, '00880008101111111111111111222222222222222200')).toBe(expected);
    expect(sendOk(os, '0088000011111111111111111122222222222222220100')).toBe(expected);
  });

  it('answers 6700, 6A86, 6A88, 6Cxx, 6E00 where they apply', () => {
    const os = ssse();
    for (const [c, sw] of [
      ['00880000081111111111111111', '6700'],
      ['00880100101111111111111111' + '22'.repeat(8), '6A86'],
      ['00880033101111111111111111' + '22'.repeat(8), '6A88'],
      ['00880000111111111111111111' + '22'.repeat(8) + '02', '6A88'],
      ['00880000101111111111111111' + '22'.repeat(8) + '04', '6C08'],
      ['80880000101111111111111111' + '22'.repeat(8), '6E00'],
    ]) {
      expect(sendHex(os, c).sw, c).toBe(sw);
    }
    const mf = resolveCardSpec('ssc3').os; // no IRK visible from the MF
    expect(sendHex(mf, '00880000101111111111111111' + '22'.repeat(8)).sw).toBe('6A88');
  });
});

describe('EXTERNAL AUTHENTICATE', () => {
  it('opens with the right key; the last challenge is the process factor and is consumed', () => {
    const os = ssse();
    sendOk(os, '0084000008');
    const c = sendOk(os, '0084000008');
    sendOk(os, '00A4020002EF05'); // the challenge survives other commands
    const answer = rkAnswer('ssc3', c);
    expect(sendHex(os, `0082000A10${answer}`).sw).toBe('9000');
    expect(sendHex(os, `0082000A10${answer}`).sw).toBe('6984');
    expect(sendHex(os, '00B2083014').sw).toBe('9000'); // EF06 by SFI
  });

  it('63C2, 63C1, 63C0, then 6983; a success in between resets the counter; the counter survives reset', () => {
    const os = ssse();
    const wrong = (): string => {
      sendOk(os, '0084000008');
      return sendHex(os, `0082000A10${'00'.repeat(16)}`).sw;
    };
    expect(wrong()).toBe('63C2');
    expect(sendHex(os, `0082000A10${rkAnswer('ssc3', sendOk(os, '0084000008'))}`).sw).toBe('9000');
    expect(wrong()).toBe('63C2');
    expect(wrong()).toBe('63C1');
    os.reset();
    sendOk(os, SELECT_SSSE);
    expect(wrong()).toBe('63C0');
    expect(wrong()).toBe('6983');
    expect(sendHex(os, `0082000A10${rkAnswer('ssc3', sendOk(os, '0084000008'))}`).sw).toBe('6983');
  });

  it('the state is lost on DF change and reset, kept across EF selection', () => {
    const os = ssse();
    expect(sendHex(os, `0082000A10${rkAnswer('ssc3', sendOk(os, '0084000008'))}`).sw).toBe('9000');
    sendOk(os, '00A4020002EF06');
    expect(sendHex(os, '00B2080014').sw).toBe('9000');
    sendOk(os, '00A4000002DF01');
    sendOk(os, SELECT_SSSE);
    expect(sendHex(os, '00B2083014').sw).toBe('6982');
    expect(sendHex(os, `0082000A10${rkAnswer('ssc3', sendOk(os, '0084000008'))}`).sw).toBe('9000');
    os.reset();
    sendOk(os, SELECT_SSSE);
    expect(sendHex(os, '00B2083014').sw).toBe('6982');
  });

  it('DF-specific key references (bit 8) look only in the current DF', () => {
    const os = ssse();
    expect(sendHex(os, `0082008A10${rkAnswer('ssc3', sendOk(os, '0084000008'))}`).sw).toBe('9000');
    sendOk(os, '00A4000002DF01');
    sendOk(os, '0084000008');
    expect(sendHex(os, `0082008A10${'00'.repeat(16)}`).sw).toBe('6A88'); // RKSSSE is not DF01's
    expect(sendHex(os, `0082000A10${'00'.repeat(16)}`).sw).toBe('63C2'); // found in the parent
  });

  it('answers 6700, 6A86, 6A88, 6984, 6E00 where they apply', () => {
    const os = ssse();
    for (const [c, sw] of [
      ['0082000A08' + '11'.repeat(8), '6700'],
      ['0082010A10' + '11'.repeat(16), '6A86'],
      ['0082003310' + '11'.repeat(16), '6A88'],
      ['0082000A10' + '11'.repeat(16), '6984'],
      ['0082000811' + '11'.repeat(16) + '01', '6A88'], // IRK is not an external key
      ['8082000A10' + '11'.repeat(16), '6E00'],
    ]) {
      expect(sendHex(os, c).sw, c).toBe(sw);
    }
  });
});
