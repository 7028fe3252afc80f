// The national functions against the simulator's cards, for every persona: the 11-field string
// equals the persona data exactly (GBK names with 姓名扩展, dates, codes), through the PSAM and
// through the HSM, and the PSAM's shortcomings give the national codes or the HSM path.
import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import {
  PSAM_PERSONAS,
  SSC2_PERSONAS,
  SSC3_PERSONAS,
  type SscPersona,
} from '../../../simulator/profiles/index.ts';
import { hsmExternalAuth, hsmReadCardBas } from '../../../simulator/profiles/test-hsm.ts';
import { toHex } from '../../iso7816/hex.ts';
import { SimChannel } from '../testing/sim-channel.ts';
import type { HsmFunction } from './hsm.ts';
import { SscNationalInterface, nationalReplyJson, type SscTerminal } from './national.ts';

const testHsm: HsmFunction = async (r) =>
  r.kind === 'iReadCardBas' ? hsmReadCardBas(r.national) : hsmExternalAuth(r.national, r.cardId);

function expected(p: SscPersona, terminalNumber: string): string {
  return [
    p.cardId.slice(0, 6),
    p.ssn,
    p.cardNo,
    p.cardId,
    p.name,
    p.historicalBytes,
    p.specVersion,
    p.issueDate,
    p.expiryDate,
    terminalNumber,
    '',
  ]
    .map((f) => f + '|')
    .join('');
}

function terminal(
  cardSpec: string,
  psamSpec: string | undefined,
  extra: Partial<SscTerminal> = {},
) {
  const card = new SimChannel(cardSpec);
  const psam = psamSpec ? new SimChannel(psamSpec) : undefined;
  const t: SscTerminal = {
    card: async (iType) => {
      if (iType === 2) throw Object.assign(new Error('no contactless card'), { nationalCode: -2 });
      return card;
    },
    psam: async () => psam,
    ...extra,
  };
  return { card, psam, api: new SscNationalInterface(t) };
}

const PERSONAS: [string, SscPersona][] = [
  ...SSC3_PERSONAS.map((p): [string, SscPersona] => [`ssc3:${p.id}`, p]),
  ...SSC3_PERSONAS.slice(0, 1).map((p): [string, SscPersona] => [`ssc3-t1:${p.id}`, p]),
  ...SSC2_PERSONAS.map((p): [string, SscPersona] => [`ssc2:${p.id}`, p]),
];
const PSAM = PSAM_PERSONAS.find((p) => p.id === 'default')!;

describe('iReadCardBas through the PSAM', () => {
  it.each(PERSONAS)(
    '%s: the 11 fields equal the persona, in the fewest commands',
    async (spec, p) => {
      const { card, psam, api } = terminal(spec, 'psam');
      const r = await api.iReadCardBas(3);
      expect(r.error).toBeUndefined();
      expect(r.code).toBe(0);
      expect(r.pOutInfo).toBe(expected(p, PSAM.terminalNumber));
      // Byte for byte what the DLL writes: GBK.
      expect(toHex(r.gbk)).toBe(toHex(iconv.encode(expected(p, PSAM.terminalNumber), 'gbk')));
      expect(r.data).toMatchObject({
        name: p.name,
        holder: {
          sex: p.sex,
          ethnicity: p.ethnicity,
          birthplace: p.birthplace,
          birthDate: p.birthDate,
          hasNameExtension: !p.omitTags.includes('4E'),
        },
        issuer: { cardCategory: p.cardCategory, initialisingOrg: p.initOrg },
        authentication: 'psam',
      });
      const threeZero = p.specVersion.startsWith('3');
      // SELECT, READ EF05, INTERNAL AUTH, [GET CHALLENGE, EXTERNAL AUTH,] READ EF06; no 6Cxx
      // round even for the 1.0 card without 4E (Le from its version).
      expect(card.instructions).toEqual(
        threeZero ? ['A4', 'B2', '88', '84', '82', 'B2'] : ['A4', 'B2', '88', 'B2'],
      );
      expect(psam!.instructions).toEqual(
        threeZero ? ['B0', 'DE', 'FA', 'DE', 'FA'] : ['B0', 'DE', 'FA'],
      );
    },
  );

  it('fails with -2202 when the PSAM lacks SM4, -2203 when it lacks RKSSSE, -2201 without a PSAM', async () => {
    expect((await terminal('ssc3', 'psam:no-sm4').api.iReadCardBas(1)).code).toBe(-2202);
    expect((await terminal('ssc3', 'psam:no-rksssse').api.iReadCardBas(1)).code).toBe(-2203);
    const none = await terminal('ssc3', undefined).api.iReadCardBas(1);
    expect(none.code).toBe(-2201);
    expect(none.pOutInfo).toBe('无PSAM卡');
    expect(toHex(none.gbk)).toBe(toHex(iconv.encode('无PSAM卡', 'gbk')));
    // A 2.0 card reads with the 3DES-only PSAM.
    expect((await terminal('ssc2', 'psam:no-sm4').api.iReadCardBas(1)).code).toBe(0);
  });

  it('switches to the HSM by itself when the PSAM cannot, keeping the PSAM terminal number', async () => {
    for (const psamSpec of ['psam:no-sm4', 'psam:no-rksssse']) {
      const r = await terminal('ssc3:ayguli', psamSpec, { hsm: testHsm }).api.iReadCardBas(1);
      const psam = PSAM_PERSONAS.find((p) => `psam:${p.id}` === psamSpec)!;
      expect(r.pOutInfo).toBe(
        expected(
          SSC3_PERSONAS.find((p) => p.id === 'ayguli')!,
          psam.terminalNumber,
        ),
      );
      expect(r.data?.authentication).toBe('hsm');
    }
    const r = await terminal('ssc3:li-na', undefined, { hsm: testHsm }).api.iReadCardBas(1);
    expect(r.pOutInfo).toBe(expected(SSC3_PERSONAS[0], '000000000000'));
  });

  it('has a JSON form: UTF-8 text, the GBK bytes as hex, typed data or a typed error', async () => {
    const ok = nationalReplyJson(await terminal('ssc3:wang-zhe', 'psam').api.iReadCardBas(1));
    const back = JSON.parse(JSON.stringify(ok));
    expect(back.code).toBe(0);
    expect(back.gbkHex).toBe(toHex(iconv.encode(back.pOutInfo, 'gbk')));
    expect(back.data.holder.name).toBe('王喆');
    const bad = JSON.parse(
      JSON.stringify(nationalReplyJson(await terminal('ssc3', undefined).api.iReadCardBas(1))),
    );
    expect(bad).toMatchObject({
      code: -2201,
      pOutInfo: '无PSAM卡',
      error: { name: 'CardError', code: -2201 },
    });
    expect(bad.data).toBeUndefined();
  });

  it('checks its parameters and maps the driver errors', async () => {
    expect((await terminal('ssc3', 'psam').api.iReadCardBas(7)).code).toBe(-14);
    expect((await terminal('ssc3', 'psam').api.iReadCardBas(2)).code).toBe(-2);
    const notSsc = await terminal('health', 'psam').api.iReadCardBas(1);
    expect(notSsc.code).toBe(-1);
    expect(notSsc.error?.message).toMatch(/not a social security card/);
  });
});

describe('iReadCardBas_HSM_Step1 / Step2', () => {
  it.each(PERSONAS)('%s: spec-form Step1, test HSM, Step2 gives the 11 fields', async (spec, p) => {
    const { card, api } = terminal(spec, undefined);
    const s1 = await api.iReadCardBas_HSM_Step1(1);
    expect(s1.code).toBe(0);
    const f = s1.pOutInfo.split('|');
    expect(f).toHaveLength(9); // 8 fields, each followed by |
    expect(f.slice(0, 4)).toEqual([
      p.cardId.slice(0, 6),
      p.historicalBytes,
      spec.startsWith('ssc2') ? '01' : '03',
      p.cardId,
    ]);
    const threeZero = p.specVersion.startsWith('3');
    expect(f[6] !== '' && f[7] !== '').toBe(threeZero);
    const s2 = await api.iReadCardBas_HSM_Step2(hsmReadCardBas(s1.pOutInfo));
    expect(s2.error).toBeUndefined();
    expect(s2.pOutInfo).toBe(expected(p, '000000000000'));
    expect(card.instructions.filter((i) => i === 'A4')).toHaveLength(1);
  });

  it('refuses Step2 without Step1, a wrong key (−21, 63Cx) and a malformed one (−23)', async () => {
    const { api } = terminal('ssc3', undefined);
    expect((await api.iReadCardBas_HSM_Step2('00|')).code).toBe(-14);
    const s1 = await api.iReadCardBas_HSM_Step1(1);
    const good = hsmReadCardBas(s1.pOutInfo);
    const badInternal = '0000000000000000' + good.slice(16);
    expect((await api.iReadCardBas_HSM_Step2(badInternal)).code).toBe(-21);
    await api.iReadCardBas_HSM_Step1(1);
    const s1b = await api.iReadCardBas_HSM_Step1(1);
    const k = hsmReadCardBas(s1b.pOutInfo).split('|');
    const badExternal = `${k[0]}|${'0'.repeat(16)}${k[1].slice(16)}|`;
    const r = await api.iReadCardBas_HSM_Step2(badExternal);
    expect(r.code).toBe(-(0x63c0 + 2));
    await api.iReadCardBas_HSM_Step1(1);
    expect((await api.iReadCardBas_HSM_Step2('xyz|')).code).toBe(-23);
  });
});
