import { describe, expect, it } from 'vitest';
import { sendHex, sendOk } from '../../profiles/card-harness.ts';
import { resolveCardSpec, sscPersona } from '../../profiles/index.ts';
import { smCommand } from './sm-test-support.ts';

const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF';

function ssse(spec: string) {
  const os = resolveCardSpec(spec).os;
  sendOk(os, SELECT_SSSE);
  return os;
}

describe('READ RECORD (kiosk-cards.md §1.4)', () => {
  it('by number, by identifier, P1 to last and last to P1, by SFI', () => {
    const os = ssse('ssc2');
    const p = sscPersona('ssc2');
    sendOk(os, '00A4020002EF05');
    const all = sendOk(os, '00B2010540');
    expect(all).toHaveLength(0x40 * 2);
    expect(all.startsWith('0110' + p.cardId + '020133' + '0304322E3000')).toBe(true);
    expect(sendOk(os, '00B2030406')).toBe('0304322E3000');
    expect(sendOk(os, '00B207000B')).toBe(
      '0709' + Buffer.from(p.cardNo).toString('hex').toUpperCase(),
    );
    const r67 = sendOk(os, '00B2060511');
    expect(r67).toBe(
      '0604' + p.expiryDate + '0709' + Buffer.from(p.cardNo).toString('hex').toUpperCase(),
    );
    expect(sendOk(os, '00B2060611')).toBe(r67.slice(12) + r67.slice(0, 12));
    // §1.4: record 7 of SFI 5 without SELECT, from SSSE.
    const os2 = ssse('ssc2');
    expect(sendOk(os2, '00B2072C0B')).toBe(r67.slice(12));
    // EF06 2.0 with 4E: 91 bytes (S8 example 00B201055B).
    expect(sendOk(os2, '00B201355B')).toHaveLength(0x5b * 2);
  });

  it('first/last/next/previous occurrence of an identifier move the record pointer', () => {
    const os = resolveCardSpec('ssc3').os;
    sendOk(os, SELECT_SSSE);
    sendOk(os, '00A4000002DF04');
    sendOk(os, '0020000003123456');
    sendOk(os, '00A4020002EF08');
    const r1 = sendOk(os, '00B270000D');
    const r2 = sendOk(os, '00B270020D');
    expect(r2).not.toBe(r1);
    expect(sendHex(os, '00B270020D').sw).toBe('6A83');
    expect(sendOk(os, '00B270030D')).toBe(r1);
    expect(sendOk(os, '00B270010D')).toBe(r2);
    expect(sendOk(os, '00B200040D')).toBe(r2); // P1 = 0: the current record
    expect(sendHex(os, '00B271000D').sw).toBe('6A83');
  });

  it('Le must be exact on the SSC: Le 00 or a wrong Le → 6Cxx (§6 item 9)', () => {
    const os = ssse('ssc3');
    sendOk(os, '00A4020002EF05');
    expect(sendHex(os, '00B2010000').sw).toBe('6C12');
    expect(sendHex(os, '00B2010011').sw).toBe('6C12');
    expect(sendHex(os, '00B2010013').sw).toBe('6C12');
    expect(sendHex(os, '00B20100').sw).toBe('6C12');
    expect(sendHex(os, '00B2010500').sw).toBe('6C40');
    expect(sendHex(os, '00B20100000000').sw).toBe('9000'); // extended Le 0000: everything
  });

  it('older card without 4E: EF06 has 6 records; 4E is not found', () => {
    const os = ssse('ssc2:liu-yun');
    sendOk(os, '00A4020002EF06');
    expect(sendHex(os, '00B24E0016').sw).toBe('6A83');
    expect(sendHex(os, '00B201055B').sw).toBe('6C45');
    expect(sendOk(os, '00B2030403')).toBe('0A0131');
    expect(sendHex(os, '00B2070400').sw).toBe('6A83');
  });

  it('answers 6981, 6986, 6A82, 6A83, 6A86, 6982 where they apply', () => {
    const os = ssse('ssc3');
    expect(sendHex(os, '00B2010412').sw).toBe('6986'); // no current EF
    expect(sendHex(os, '00B2015C12').sw).toBe('6A82'); // SFI 11
    expect(sendHex(os, '00B201FC12').sw).toBe('6A86'); // SFI 31
    sendOk(os, '00A4020002EF05');
    expect(sendHex(os, '00B2010712').sw).toBe('6A86'); // P2 b3..b1 = 111
    expect(sendHex(os, '00B2080412').sw).toBe('6A83');
    expect(sendHex(os, '00B2000412').sw).toBe('6A83'); // no current record yet
    expect(sendHex(os, '00B2090012').sw).toBe('6A83');
    expect(sendHex(os, '00B2010612').sw).toBe('6C40');
    sendOk(os, '00A4020002EF07');
    expect(sendHex(os, '00B2010412').sw).toBe('6981');
    expect(sendHex(os, '00B2013412').sw).toBe('6982'); // EF06 by SFI, RKSSSE not authenticated
    expect(sendHex(os, '80B2010412').sw).toBe('6E00');
  });

  it('EMV records (leRule iso): Le 00 returns the record', () => {
    const os = resolveCardSpec('ssc3').os;
    sendOk(os, '00A4040008A000000333010101');
    expect(sendOk(os, '00B2011400')).toMatch(/^70..5A0A/);
    expect(sendHex(os, '00B2011403').sw).toMatch(/^6C/);
  });
});

describe('UPDATE RECORD / APPEND RECORD', () => {
  it('SSC EF06 update needs secure messaging with UKSSSE (KEYS.md §5)', () => {
    const spec = 'ssc2';
    const os = ssse(spec);
    const key = { name: 'UKSSSE' as const, alg: '3DES' as const, cardId: sscPersona(spec).cardId };
    const record = '091E' + 'C0EEC0DA' + '00'.repeat(26); // 李磊
    sendOk(os, '00A4020002EF06');
    expect(sendHex(os, `00DC020420${record}`).sw).toBe('6982');
    expect(sendHex(os, `04DC020424${record}00000000`).sw).toBe('6984'); // no challenge
    const bad = smCommand(os, '04DC0204', record, key);
    expect(sendHex(os, bad.slice(0, -2) + (bad.endsWith('00') ? '01' : '00')).sw).toBe('6988');
    expect(sendHex(os, smCommand(os, '04DC0204', record, key)).sw).toBe('9000');
    expect(sendOk(os, '00B2090020')).toBe(record);
    expect(sendHex(os, smCommand(os, '04DC0204', '0920' + '00'.repeat(32), key)).sw).toBe('6700');
    expect(sendHex(os, smCommand(os, '04DC0204', '091F' + '00'.repeat(30), key)).sw).toBe('6A80');
    expect(sendHex(os, smCommand(os, '04DC0207', record, key)).sw).toBe('6A86');
    expect(sendHex(os, smCommand(os, '04DC0A04', record, key)).sw).toBe('6A83');
    // by identifier: 0B 民族 → 02
    expect(sendHex(os, smCommand(os, '04DC0B00', '0B0102', key)).sw).toBe('9000');
    expect(sendOk(os, '00B20B0003')).toBe('0B0102');
    // A full linear file: APPEND → 6A84.
    expect(sendHex(os, smCommand(os, '04E20000', '0B0102', key)).sw).toBe('6A84');
  });

  it('a cyclic file takes the new record as record 1 and drops the oldest', () => {
    const os = ssse('ssc3');
    sendOk(os, '00A4000002DF04');
    expect(sendHex(os, '00E20040' + '0D700B0000000120240601000000').sw).toBe('6982');
    sendOk(os, '0020000003123456');
    const rec = (n: number): string =>
      '700B' + n.toString(16).toUpperCase().padStart(8, '0') + '20240601000000';
    for (let n = 1; n <= 9; n++) expect(sendHex(os, `00E200400D${rec(n)}`).sw).toBe('9000');
    expect(sendOk(os, '00B201440D')).toBe(rec(9));
    expect(sendOk(os, '00B209440D')).toBe(rec(1));
    expect(sendOk(os, '00B20A440D')).toBe('700B000001F420240510093000'); // the newer shipped record
    expect(sendHex(os, `00E200400D${rec(10)}`).sw).toBe('9000');
    expect(sendOk(os, '00B20A440D')).toBe(rec(1)); // both shipped records are gone now
    expect(sendHex(os, '00B20B440D').sw).toBe('6A83');
    expect(sendHex(os, `00DC00430D${rec(11)}`).sw).toBe('9000'); // "previous", P1 0: a new record 1
    expect(sendOk(os, '00B201440D')).toBe(rec(11));
    expect(sendHex(os, `00E201400D${rec(1)}`).sw).toBe('6A86');
    expect(sendHex(os, `04E200400D${rec(1)}`).sw).toBe('6988'); // SM on a PIN-protected file
  });
});
