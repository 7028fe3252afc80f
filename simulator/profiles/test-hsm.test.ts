import { describe, expect, it } from 'vitest';
import { HsmInputError, hsmExternalAuth, hsmReadCardBas, hsmSecureMessaging } from './test-hsm.ts';

const ID = '519900D15600000510000B26FFFFFFFF';
const STEP1 = `519900|00814A444686605199000000DB|03|${ID}|32D9E876ADB31BBF|DBF7A936D0D18C9E|98B4D293D091C331|E603E2CAADAF02B6|`;

describe('test HSM (KEYS.md §6)', () => {
  it('iReadCardBas: the KEYS.md worked example', () => {
    expect(hsmReadCardBas(STEP1)).toBe(
      '0167097F0E6C3619DBF7A936D0D18C9E|5C9BA6B71240C2D4E603E2CAADAF02B6|',
    );
    expect(hsmReadCardBas(STEP1.replace('|03|', '|01|'))).toBe(
      '0A611B54551A079DDBF7A936D0D18C9E|C769C1ABC7A4A4ADE603E2CAADAF02B6|',
    );
  });

  it('accepts the S8 variants: a 9th field of zeros, the full ATR in field 2; no external fields', () => {
    const nine = STEP1 + '0'.repeat(32) + '|';
    expect(hsmReadCardBas(nine)).toBe(hsmReadCardBas(STEP1));
    expect(
      hsmReadCardBas(
        STEP1.replace('00814A444686605199000000DB', '3B6D000000814A444686605199000001AC'),
      ),
    ).toBe(hsmReadCardBas(STEP1));
    const noExt = STEP1.replace('98B4D293D091C331|E603E2CAADAF02B6|', '||');
    expect(hsmReadCardBas(noExt)).toBe('0167097F0E6C3619DBF7A936D0D18C9E||');
  });

  it('external authentication by key address; every group of an address names one key', () => {
    const a = hsmExternalAuth('03|004C|98B4D293D091C331|E603E2CAADAF02B6|', `${ID}|HA1046924|`);
    expect(a).toBe('5C9BA6B71240C2D4E603E2CAADAF02B6');
    expect(hsmExternalAuth('03|004E|98B4D293D091C331|E603E2CAADAF02B6|', ID)).toBe(a);
    expect(hsmExternalAuth('03|0090|98B4D293D091C331|E603E2CAADAF02B6|', ID)).not.toBe(a);
  });

  it('secure messaging: the KEYS.md §5 example, reload and unblock', () => {
    expect(hsmSecureMessaging(`03|0173|2AFD6A015D2D9BAC|8424000114|123456|`, ID)).toBe(
      '8424000114659E6F71B54B952BE22194931A5F502B97322A9B',
    );
    expect(hsmSecureMessaging(`01|0173|2AFD6A015D2D9BAC|842400010C|123456|`, ID)).toBe(
      '842400010CF8A7FA6BF5E2E62B42DC9749',
    );
    expect(hsmSecureMessaging(`03|0173|2AFD6A015D2D9BAC|8424000004||`, ID)).toMatch(
      /^8424000004[0-9A-F]{8}$/,
    );
  });

  it('bad input is an HsmInputError naming the field, never an echo of the PIN', () => {
    const bad: [() => unknown, string][] = [
      [() => hsmReadCardBas('519900|x|03|'), 'iReadCardBas_HSM_Step1'],
      [() => hsmReadCardBas(STEP1.slice(0, -1)), 'iReadCardBas_HSM_Step1'],
      [() => hsmReadCardBas(STEP1.replace('|03|', '|02|')), '算法标识'],
      [() => hsmReadCardBas(STEP1.replace(ID, 'NOTHEX')), '卡识别码'],
      [() => hsmReadCardBas(STEP1.replace('32D9E876ADB31BBF', '32D9')), '内部认证过程因子'],
      [() => hsmExternalAuth('03|9999|98B4D293D091C331|E603E2CAADAF02B6|', ID), '密钥地址'],
      [() => hsmSecureMessaging('03|0173|2AFD6A015D2D9BAC|8424000114|12a456|', ID), '明文新PIN'],
      [() => hsmSecureMessaging('03|0173|2AFD6A015D2D9BAC|842400010C|123456|', ID), 'APDU命令头'],
    ];
    for (const [f, field] of bad) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(HsmInputError);
      expect((err as HsmInputError).field).toBe(field);
      expect((err as Error).message).not.toMatch(/12a456|123456/);
    }
  });
});
