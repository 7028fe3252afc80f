// Per profile: ATRs, file trees and the encoding of every persona's data (kiosk-cards.md §1.1,
// §1.3, §3), the persona coverage the issue asks for, and the card-spec resolver.

import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { decodeAtr } from '../../protocol/atr.ts';
import { fromHex } from '../../protocol/bytes.ts';
import { sendHex, sendOk } from './card-harness.ts';
import {
  CardSpecError,
  describeProfiles,
  HEALTH_PERSONAS,
  PSAM_PERSONAS,
  resolveCardSpec,
  SSC2_PERSONAS,
  SSC3_PERSONAS,
  type SscPersona,
} from './index.ts';
import { sscCardKey } from './keys.ts';
import { authData, sessionKey } from '../cos/crypto.ts';

const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF';
const ascii = (h: string): string => Buffer.from(h, 'hex').toString('latin1');
const gbk = (h: string): string => new TextDecoder('gbk').decode(fromHex(h));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

/** GB 11643 check character of an 18-character 社会保障号码 / ID number. */
function idCheckOk(id: string): boolean {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let t = 0;
  for (let i = 0; i < 17; i++) t += Number(id[i]) * w[i];
  return '10X98765432'[t % 11] === id[17];
}

/** Reads EF05 and EF06 record by record (EF06 opened with the right RKSSSE key on 3.0 cards). */
function readSsse(spec: string, p: SscPersona): Map<string, string> {
  const os = resolveCardSpec(spec).os;
  sendOk(os, SELECT_SSSE);
  const alg = spec.startsWith('ssc2') ? '3DES' : 'SM4';
  const c = sendOk(os, '0084000008');
  const sk = sessionKey(alg, sscCardKey('RKSSSE', alg, p.cardId), fromHex(c));
  expect(
    sendHex(os, `0082000A10${hex(authData(alg, sk, fromHex('0000000000000000')))}0000000000000000`)
      .sw,
  ).toBe('9000');
  const out = new Map<string, string>();
  for (const [ef, tags] of [
    ['EF05', ['01', '02', '03', '04', '05', '06', '07']],
    ['EF06', ['08', '09', '4E', '0A', '0B', '0C', '0D']],
  ] as const) {
    sendOk(os, `00A4020002${ef}`);
    for (const tag of tags) {
      const probe = sendHex(os, `00B2${tag}0000`);
      if (probe.sw === '6A83') continue;
      expect(probe.sw).toMatch(/^6C/);
      const r = sendOk(os, `00B2${tag}00${probe.sw.slice(2)}`);
      expect(r.slice(0, 2)).toBe(tag);
      expect(parseInt(r.slice(2, 4), 16) * 2).toBe(r.length - 4);
      out.set(tag, r.slice(4));
    }
  }
  return out;
}

const LENGTHS: Record<string, number> = {
  '01': 16,
  '02': 1,
  '03': 4,
  '04': 12,
  '05': 4,
  '06': 4,
  '07': 9,
  '08': 18,
  '09': 30,
  '4E': 20,
  '0A': 1,
  '0B': 1,
  '0C': 3,
  '0D': 4,
};

describe('social security card personas', () => {
  const all = [
    ...SSC2_PERSONAS.map((p) => [`ssc2:${p.id}`, p] as const),
    ...SSC3_PERSONAS.map((p) => [`ssc3:${p.id}`, p] as const),
    ...SSC3_PERSONAS.map((p) => [`ssc3-t1:${p.id}`, p] as const),
  ];
  for (const [spec, p] of all) {
    it(`${spec}: §1.3 items, lengths, padding and encodings`, () => {
      const items = readSsse(spec, p);
      for (const [tag, value] of items) expect(value.length / 2, tag).toBe(LENGTHS[tag]);
      expect(items.get('01')).toBe(p.cardId);
      expect(p.cardId.slice(6, 16)).toBe('D156000005');
      expect(ascii(items.get('02')!)).toBe(p.cardCategory);
      expect(ascii(items.get('03')!).replace(/\0+$/, '')).toBe(p.specVersion);
      expect(items.get('04')).toBe(p.initOrg);
      expect(items.get('05')).toBe(p.issueDate);
      expect(items.get('06')).toBe(p.expiryDate);
      expect(ascii(items.get('07')!)).toBe(p.cardNo);
      expect(ascii(items.get('08')!)).toBe(p.ssn);
      const name = gbk(items.get('09')! + (items.get('4E') ?? '')).replace(/\0+$/, '');
      expect(name).toBe(p.name);
      expect(items.has('4E')).toBe(!p.omitTags.includes('4E'));
      expect(ascii(items.get('0A')!)).toBe(p.sex);
      expect(items.get('0B')).toBe(p.ethnicity === '' ? 'FF' : p.ethnicity);
      expect(items.get('0C')).toBe(p.birthplace.padEnd(6, 'F'));
      expect(items.get('0D')).toBe(p.birthDate);
    });
  }

  it('every persona: valid 社会保障号码 matching sex and birth date; ATR historical bytes name region and serial', () => {
    for (const p of [...SSC2_PERSONAS, ...SSC3_PERSONAS]) {
      expect(idCheckOk(p.ssn), p.id).toBe(true);
      expect(Number(p.ssn[16]) % 2 === 1 ? '1' : '2', p.id).toBe(p.sex);
      expect(p.ssn.slice(6, 14), p.id).toBe(p.birthDate);
      // §1.1: T8–T9 = the first 4 digits of the region, T10–T13 = the serial in 卡识别码.
      expect(p.historicalBytes.slice(14, 18), p.id).toBe(p.cardId.slice(0, 4));
      expect(p.historicalBytes.slice(18), p.id).toBe(p.cardId.slice(16, 24));
      expect(iconv.decode(iconv.encode(p.name, 'gbk'), 'gbk')).toBe(p.name);
    }
  });

  it('covers the cases the issue asks for', () => {
    const ps = [...SSC2_PERSONAS, ...SSC3_PERSONAS];
    expect(new Set(ps.map((p) => p.sex))).toEqual(new Set(['1', '2']));
    expect(new Set(ps.map((p) => p.ethnicity)).size).toBeGreaterThanOrEqual(5);
    expect(ps.some((p) => p.expiryDate < '20250101')).toBe(true);
    expect(ps.some((p) => p.pinTriesLeft === 0)).toBe(true);
    expect(ps.some((p) => p.omitTags.includes('4E'))).toBe(true);
    expect(ps.some((p) => iconv.encode(p.name, 'gbk').length > 30)).toBe(true);
    // Rare characters: GBK code points outside GB2312 (lead byte below A1 or trail byte below A1).
    const outsideGb2312 = (name: string): boolean => {
      const b = iconv.encode(name, 'gbk');
      for (let i = 0; i < b.length; i += 2) if (b[i] < 0xa1 || b[i + 1] < 0xa1) return true;
      return false;
    };
    expect(ps.filter((p) => outsideGb2312(p.name)).length).toBeGreaterThanOrEqual(2);
    expect(new Set(ps.map((p) => p.cardId)).size).toBe(ps.length);
  });
});

describe('ATRs and transport', () => {
  it('SSC T=0: 3B 6D 00 00 + 13 historical bytes; ssc3-t1: TA1 96, TC1 FF, T=1, valid TCK', () => {
    const t0 = decodeAtr(fromHex(resolveCardSpec('ssc3').transport.atr));
    expect(t0.historicalBytes).toHaveLength(13);
    expect(t0.protocols).toEqual([0]);
    expect(t0.ta1).toBe(0x11);
    const t1card = resolveCardSpec('ssc3-t1').transport;
    const t1 = decodeAtr(fromHex(t1card.atr));
    expect(t1.ta1).toBe(0x96);
    expect(t1.extraGuardTime).toBe(255);
    expect(t1.defaultProtocol).toBe(1);
    expect(t1.t1?.ifsc).toBe(254);
    expect(t1.historicalBytes).toEqual(t0.historicalBytes);
    expect(t1card.t1WtxAfterUs).toBeGreaterThan(0);
    const psam = decodeAtr(fromHex(resolveCardSpec('psam').transport.atr));
    expect(psam.ta1).toBe(0x13);
    expect(
      decodeAtr(fromHex(resolveCardSpec('health').transport.atr)).historicalBytes,
    ).toHaveLength(13);
  });
});

describe('health personas', () => {
  for (const p of HEALTH_PERSONAS) {
    it(`${p.id}: EF05 items free to read, encoded per §3`, () => {
      const os = resolveCardSpec(`health:${p.id}`).os;
      sendOk(os, '00A4000002DDF1');
      sendOk(os, '00A4000002EF05');
      expect(ascii(sendOk(os, '00B2020006').slice(4))).toBe(p.specVersion);
      expect(gbk(sendOk(os, '00B2030020').slice(4)).replace(/\0+$/, '')).toBe(p.issuerName);
      expect(sendOk(os, '00B204000D').slice(4)).toBe(p.issuerCode);
      expect(sendOk(os, '00B2060006').slice(4)).toBe(p.issueDate);
      expect(ascii(sendOk(os, '00B2090005').slice(4))).toBe(p.securityCode);
      expect(ascii(sendOk(os, '00B20A000C').slice(4))).toBe(p.chipSerial);
      expect(idCheckOk(p.idNumber)).toBe(true);
    });
  }
});

describe('resolveCardSpec and describeProfiles', () => {
  it('resolves profiles, personas, defaults and PSAM variants', () => {
    expect(resolveCardSpec('ssc3').label).toBe('ssc3:li-na');
    expect(resolveCardSpec('ssc2').label).toBe('ssc2:chen-jing');
    expect(resolveCardSpec('ssc3-t1:ayguli').label).toBe('ssc3-t1:ayguli');
    expect(resolveCardSpec('health').label).toBe('health:zhou-xiaomei');
    expect(resolveCardSpec('psam:no-rksssse').label).toBe('psam:no-rksssse');
  });

  it('bad specs are CardSpecErrors that say what is known', () => {
    for (const spec of [
      'ssc4',
      'ssc3:nobody',
      'atr:3B6',
      'atr:XYZ1',
      'atr:3B',
      '',
      'atr:3BFD9600FF8131FE4500814A4446866044033A01C7F2F8',
    ]) {
      expect(() => resolveCardSpec(spec), spec).toThrow(CardSpecError);
    }
    expect(() => resolveCardSpec('ssc3:nobody')).toThrow(/li-na/);
    expect(() => resolveCardSpec('ssc9')).toThrow(/ssc3-t1/);
  });

  it('describeProfiles lists every profile and persona with data and PIN; one default each', () => {
    const d = describeProfiles();
    expect(d.map((p) => p.name)).toEqual(['ssc2', 'ssc3', 'ssc3-t1', 'health', 'psam']);
    for (const p of d) expect(p.personas.filter((x) => x.isDefault)).toHaveLength(1);
    const ssc3 = d.find((p) => p.name === 'ssc3')!;
    expect(ssc3.algorithm).toBe('SM4');
    expect(ssc3.personas.find((x) => x.id === 'li-na')!.pin).toBe('123456');
    expect(d.find((p) => p.name === 'ssc3-t1')!.protocol).toBe('T=1');
    expect(d.find((p) => p.name === 'psam')!.personas.map((x) => x.id)).toEqual(
      PSAM_PERSONAS.map((x) => x.id),
    );
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });
});
