// Unit tests of the small SSC pieces: HSM strings, FCI, items.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { fromHex, toHex } from '../../iso7816/hex.ts';
import { CardError } from '../card-error.ts';
import { defaultAlgorithm } from './algorithm.ts';
import { formatHsmStep1, formatHsmStep2Key, parseHsmAuthAnswer, parseHsmStep2Key } from './hsm.ts';
import { decodeHolderData, decodeIssuerData, parseRecords, specVersionNumber } from './items.ts';
import { parseSsseFci } from './ssse.ts';
import * as T from './trace-card.test-data.ts';

describe('HSM strings (kiosk-cards.md §2.4)', () => {
  it('writes Step1 in the spec form, external fields empty for 2.0 cards', () => {
    const base = {
      regionCode: '519900',
      historicalBytes: T.HISTORICAL,
      algorithmId: '01',
      cardId: T.CARD_ID,
      internal: { processFactor: T.PF_INT, originalInfo: T.OI_INT },
    };
    expect(formatHsmStep1(base)).toBe(
      `519900|${T.HISTORICAL}|01|${T.CARD_ID}|${T.PF_INT}|${T.OI_INT}|||`,
    );
  });
  it('reads the trace pKey and its 2.0 form, and round-trips', () => {
    const k = parseHsmStep2Key(
      'F4A0CF965BDCEA30DBF7A936D0D18C9E|774A08EDF447A1DEE603E2CAADAF02B6|',
    );
    expect(toHex(k.internal.authData)).toBe('F4A0CF965BDCEA30');
    expect(toHex(k.external!.originalInfo)).toBe('E603E2CAADAF02B6');
    expect(parseHsmStep2Key('F4A0CF965BDCEA30DBF7A936D0D18C9E||').external).toBeUndefined();
    expect(parseHsmStep2Key('f4a0cf965bdcea30dbf7a936d0d18c9e').internal.originalInfo).toEqual(
      fromHex(T.OI_INT),
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.option(fc.uint8Array({ minLength: 16, maxLength: 16 })),
        (a, b) => {
          const answer = {
            internal: { authData: a.slice(0, 8), originalInfo: a.slice(8) },
            ...(b ? { external: { authData: b.slice(0, 8), originalInfo: b.slice(8) } } : {}),
          };
          expect(parseHsmStep2Key(formatHsmStep2Key(answer))).toEqual(answer);
        },
      ),
    );
  });
  it('answers −23 to any malformed pKey, never anything else', () => {
    for (const bad of ['', '|', 'XYZ|', 'F4A0|', 'a|b|c|', '0'.repeat(200)])
      expect(() => parseHsmStep2Key(bad), bad).toThrow(CardError);
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        try {
          parseHsmStep2Key(s);
        } catch (e) {
          expect(e).toBeInstanceOf(CardError);
          expect((e as CardError).code).toBe(-23);
        }
      }),
    );
    expect(() => parseHsmAuthAnswer('12|')).toThrow(CardError);
    expect(toHex(parseHsmAuthAnswer('774A08EDF447A1DEE603E2CAADAF02B6|').authData)).toBe(
      '774A08EDF447A1DE',
    );
  });
});

describe('SSSE FCI', () => {
  it('finds the algorithm identifier in 9F0C / 86', () => {
    expect(parseSsseFci(fromHex(T.FCI_SM4))).toEqual({ algorithm: 'SM4', algorithmId: 3 });
    expect(parseSsseFci(fromHex(T.FCI_3DES))).toEqual({ algorithm: 'DES', algorithmId: 1 });
  });
  it('has no algorithm without 9F0C (S7 §10.1 default applies) and rejects garbage with −1', () => {
    expect(
      parseSsseFci(fromHex('6F11840F7378312E73682EC9E7BBE1B1A3D5CF')).algorithm,
    ).toBeUndefined();
    expect(parseSsseFci(new Uint8Array(0)).algorithm).toBeUndefined();
    expect(defaultAlgorithm('110105')).toBe('SSF33');
    expect(defaultAlgorithm('440305')).toBe('DES');
    expect(() => parseSsseFci(fromHex('6F05'))).toThrow(CardError);
  });
});

describe('EF05 / EF06 items', () => {
  it('decodes the trace card', () => {
    const issuer = decodeIssuerData(parseRecords(fromHex(T.EF05), 'EF05'));
    expect(issuer).toEqual({
      cardId: T.CARD_ID,
      regionCode: '519900',
      cardCategory: '3',
      specVersion: '3.00',
      initialisingOrg: '9156000002519900519900DB',
      issueDate: '20180403',
      expiryDate: '20280403',
      cardNumber: 'HA1046924',
    });
    expect(decodeHolderData(parseRecords(fromHex(T.EF06), 'EF06')).name).toBe('白哲宇');
  });
  it('joins 09 and 4E before decoding: a character may straddle byte 30', () => {
    const name = 'A' + '张'.repeat(16); // 1 + 32 bytes: the 16th 张 is split at byte 30
    const bytes = iconv.encode(name, 'gbk');
    const n09 = new Uint8Array(30);
    n09.set(bytes.subarray(0, 30));
    const n4e = new Uint8Array(20);
    n4e.set(bytes.subarray(30));
    const ef06 = fromHex(
      '0812' +
        '31'.repeat(18) +
        '091E' +
        toHex(n09) +
        '4E14' +
        toHex(n4e) +
        '0A01320B01FF0C03FFFFFF0D04FFFFFFFF',
    );
    const h = decodeHolderData(parseRecords(ef06, 'EF06'));
    expect(h).toMatchObject({
      name,
      sex: '2',
      ethnicity: '',
      birthplace: '',
      birthDate: '',
      hasNameExtension: true,
    });
  });
  it('reads a 1.0 card without 4E, and the version rules', () => {
    const ef06 = fromHex(
      '0812' +
        '31'.repeat(18) +
        '091EC0EEC0DA' +
        '00'.repeat(26) +
        '0A01310B01010C034501020D0419551120',
    );
    expect(decodeHolderData(parseRecords(ef06, 'EF06'))).toMatchObject({
      name: '李磊',
      hasNameExtension: false,
    });
    expect(specVersionNumber('3.00')).toBe(3);
    expect(specVersionNumber('2.0')).toBe(2);
    expect(specVersionNumber('')).toBe(1);
  });
  it('gives typed errors for broken records: −20 for the 卡识别码, −1 otherwise', () => {
    const short = T.EF05.replace('0110' + T.CARD_ID, '010F' + T.CARD_ID.slice(0, 30));
    expect(() => decodeIssuerData(parseRecords(fromHex(short), 'EF05'))).toThrow(
      expect.objectContaining({ code: -20 }),
    );
    expect(() => parseRecords(fromHex('0110AA'), 'EF05')).toThrow(
      expect.objectContaining({ code: -1 }),
    );
    expect(() => decodeHolderData(new Map())).toThrow(CardError);
  });
});
