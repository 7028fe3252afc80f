import { describe, expect, it } from 'vitest';
import { SSC2_PERSONAS, SSC3_PERSONAS } from '../../../simulator/profiles/index.ts';
import { hsmExternalAuth } from '../../../simulator/profiles/test-hsm.ts';
import { encodeCn } from '../../iso7816/bcd.ts';
import { command } from '../transceive.ts';
import { SimChannel } from '../testing/sim-channel.ts';
import { SscNationalInterface } from './national.ts';
import { parseCardInfo, parseFileAddress } from './file-address.ts';
import { CardError } from '../card-error.ts';

function api(cardSpec: string, psamSpec: string | undefined, extra = {}) {
  const card = new SimChannel(cardSpec);
  const psam = psamSpec ? new SimChannel(psamSpec) : undefined;
  return {
    card,
    national: new SscNationalInterface({
      card: async () => card,
      psam: async () => psam,
      ...extra,
    }),
  };
}

const lina = SSC3_PERSONAS.find((p) => p.id === 'li-na')!;
const info = `${lina.cardId}|${lina.cardNo}|`;

describe('iReadCard', () => {
  it('reads items of several files and DFs, unlocking each DF through the PSAM only when the card asks', async () => {
    const { card, national } = api('ssc3:li-na', 'psam');
    const r = await national.iReadCard(
      3,
      2,
      info,
      'SSSEEF05|01|07|$SSSEEF06|08|09|4E|0B|$DF01EF0A|31|$DF01EF05|20|$DF04EF05|60|$DF04EF08|70|$',
    );
    expect(r.error).toBeUndefined();
    expect(r.pOutInfo).toBe(
      `SSSEEF05|${lina.cardId}|${lina.cardNo}|$` +
        `SSSEEF06|${lina.ssn}|${lina.name}||${lina.ethnicity}|$` +
        `DF01EF0A|${lina.nationality}|$` +
        `DF01EF05|${lina.householdAddress}|$` +
        `DF04EF05|${lina.medicalInsuranceNo}|$` +
        'DF04EF08|000001F420240510093000|000003E820240402151200|$',
    );
    // SSSE once, each DF once; EF05 once (identify); EF06 (3.0) and each DF unlocked once,
    // before its first read; EF06 with its exact Le; DF files with Le 00 and one 6Cxx round.
    expect(card.instructions.join(' ')).toBe(
      [
        'A4 B2', // SELECT SSSE, EF05 (pCardInfo check and the EF05 items)
        '84 82 B2', // RKSSSE, EF06
        'A4 84 82 B2 B2 B2 B2', // DF01: unlock, EF0A, EF05
        'A4 84 82 B2 B2 B2 B2', // DF04: unlock, EF05, EF08 (all records)
      ].join(' '),
    );
  });

  it('accepts the 3F00 form of the file address and mirrors it', async () => {
    const { national } = api('ssc2:chen-jing', 'psam');
    const p = SSC2_PERSONAS[0];
    const r = await national.iReadCard(1, 2, `${p.cardId}|${p.cardNo}|`, '3F00EF06|08|0A|0D|$');
    expect(r.pOutInfo).toBe(`3F00EF06|${p.ssn}|${p.sex}|${p.birthDate}|$`);
  });

  it('reads a transparent file (fingerprint, 0x300 bytes) after RKSSSE', async () => {
    const { national } = api('ssc3:li-na', 'psam');
    const r = await national.iReadCard(1, 2, info, 'SSSEEF07$');
    expect(r.code).toBe(0);
    expect(r.pOutInfo).toMatch(/^SSSEEF07\|[0-9A-F]{1536}\|\$$/);
  });

  it('uses the keypad PIN for "PIN or RK" files with iAuthType 1', async () => {
    let asked = 0;
    const { national } = api('ssc3:li-na', undefined, {
      // Stands in for the reader's keypad: the PIN goes to the card, never through the driver.
      verifyPin: async (card: SimChannel) => {
        asked++;
        await command(card, { cla: 0, ins: 0x20, p1: 0, p2: 0, data: encodeCn(lina.pin) });
      },
    });
    const r = await national.iReadCard(1, 1, info, 'DF01EF0A|31|$');
    expect(r.pOutInfo).toBe(`DF01EF0A|${lina.nationality}|$`);
    expect(asked).toBe(1);
  });

  it('goes to the HSM for a DF key the PSAM lacks', async () => {
    const { national } = api('ssc3:li-na', 'psam:no-sm4', {
      hsm: async (r: { kind: string; national: string; cardId: string }) =>
        hsmExternalAuth(r.national, r.cardId),
    });
    const r = await national.iReadCard(1, 2, info, 'DF04EF05|60|$');
    expect(r.pOutInfo).toBe(`DF04EF05|${lina.medicalInsuranceNo}|$`);
  });

  it('answers −22 when pCardInfo is another card, −14 for bad parameters, −27267 for a missing item', async () => {
    const { national } = api('ssc3:li-na', 'psam');
    expect((await national.iReadCard(1, 2, `${'0'.repeat(32)}|X|`, 'SSSEEF05|01|$')).code).toBe(
      -22,
    );
    expect((await national.iReadCard(1, 3, info, 'SSSEEF05|01|$')).code).toBe(-14);
    expect((await national.iReadCard(1, 2, info, 'SSSEEF05|01|')).code).toBe(-14);
    expect((await national.iReadCard(1, 2, 'nope', 'SSSEEF05|01|$')).code).toBe(-14);
    expect((await national.iReadCard(1, 2, info, 'SSSEEF05|5F|$')).code).toBe(-27267);
  });
});

describe('file address parsing', () => {
  it('reads files, items and occurrences', () => {
    expect(parseFileAddress('SSSEEF05|06|07|$DF01EF15|40:2|$3F00EF08$')).toEqual([
      {
        name: 'SSSEEF05',
        df: 'SSSE',
        ef: 0xef05,
        items: [
          { tag: 6, occurrence: 1, text: '06' },
          { tag: 7, occurrence: 1, text: '07' },
        ],
      },
      {
        name: 'DF01EF15',
        df: 'DF01',
        ef: 0xef15,
        items: [{ tag: 0x40, occurrence: 2, text: '40:2' }],
      },
      { name: '3F00EF08', df: 'SSSE', ef: 0xef08, items: [] },
    ]);
  });
  it.each(['', 'SSSEEF05|01|', 'SSSE|01|$', 'SSSEEF05|1|$', 'SSSEEF05|01:0|$', 'XXXXEF05|01|$'])(
    'rejects %j with −14',
    (bad) => {
      let err: unknown;
      try {
        parseFileAddress(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CardError);
      expect((err as CardError).code).toBe(-14);
    },
  );
  it('reads pCardInfo', () => {
    expect(parseCardInfo(info)).toEqual({ cardId: lina.cardId, cardNumber: lina.cardNo });
    expect(() => parseCardInfo('123|456|')).toThrow(CardError);
  });
});
