// The PSAM profile (KEYS.md §4): EF0015/EF0016, DELIVERY SESSION KEY and CIPHER DATA against the
// user cards — SSC internal and external authentication, the health card's §3 sequence — and
// the HSM-fallback variants psam:no-sm4 (6A81) and psam:no-rksssse (6A88).

import { describe, expect, it } from 'vitest';
import { fromHex } from '../../protocol/bytes.ts';
import { foldHalves } from '../cos/crypto.ts';
import { sendHex, sendOk } from './card-harness.ts';
import { healthPersona, psamPersona, resolveCardSpec, sscPersona } from './index.ts';
import {
  healthCityFactor,
  sscDiversificationFactors,
} from '../../protocol/cards/diversification.ts';

const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF';
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();
const fold = (h: string): string => hex(foldHalves(fromHex(h)));

function factors(cardId: string): string {
  return sscDiversificationFactors(fromHex(cardId)).map(hex).join('');
}

describe('PSAM files', () => {
  it('EF0016 holds the terminal number, EF0015 the serial', () => {
    const psam = resolveCardSpec('psam').os;
    expect(sendOk(psam, '00B0960006')).toBe(psamPersona('psam').terminalNumber);
    sendOk(psam, '00A40000020015');
    const ef15 = sendOk(psam, '00B000000F');
    expect(ef15).toBe('01' + psamPersona('psam').serial + '01010000');
    expect(sendHex(psam, '00B0000010').sw).toBe('6C0F');
    expect(sendHex(psam, '00B0001000').sw).toBe('6B00');
    expect(sendOk(psam, '00A404000F7378312E73682EC9E7BBE1B1A3D5CF')).toBe('');
  });
});

describe('SSC authentication through the PSAM', () => {
  for (const [spec, alg, cipherLen] of [
    ['ssc3', '03', '10'],
    ['ssc2', '01', '08'],
  ] as const) {
    it(`${spec}: the PSAM computes the card's internal authentication answer and opens RKSSSE`, () => {
      const card = resolveCardSpec(spec).os;
      const psam = resolveCardSpec('psam').os;
      const f = factors(sscPersona(spec).cardId);
      sendOk(card, SELECT_SSSE);
      const oi = sendOk(card, '0084000008');
      const pf = sendOk(card, '0084000008');
      const answer = sendOk(card, `0088000010${pf}${oi}`);
      expect(sendHex(psam, `80DE${alg}0818${f}${pf}`).sw).toBe('9000');
      const data = alg === '03' ? oi + '00'.repeat(8) : oi;
      const enc = sendOk(psam, `80FA0000${cipherLen}${data}`);
      expect(alg === '03' ? fold(enc) : enc).toBe(answer);
      // External authentication with RKSSSE.
      const oiE = sendOk(card, '0084000008');
      const pfE = sendOk(card, '0084000008');
      sendOk(psam, `80DE${alg}0A18${f}${pfE}`);
      const encE = sendOk(psam, `80FA0000${cipherLen}${alg === '03' ? oiE + '00'.repeat(8) : oiE}`);
      expect(sendHex(card, `0082000A10${alg === '03' ? fold(encE) : encE}${oiE}`).sw).toBe('9000');
    });
  }

  it('a card from another PSAM key family (wrong factors) fails', () => {
    const card = resolveCardSpec('ssc3').os;
    const psam = resolveCardSpec('psam').os;
    const f = factors(sscPersona('ssc3:tashi').cardId);
    sendOk(card, SELECT_SSSE);
    const oi = sendOk(card, '0084000008');
    const pf = sendOk(card, '0084000008');
    sendOk(psam, `80DE030A18${f}${pf}`);
    const enc = sendOk(psam, `80FA000010${oi}${'00'.repeat(8)}`);
    expect(sendHex(card, `0082000A10${fold(enc)}${oi}`).sw).toBe('63C2');
  });

  it('psam:no-sm4 answers 6A81 for SM4 but serves 3DES; psam:no-rksssse answers 6A88 for key 0A', () => {
    const f = factors(sscPersona('ssc3').cardId);
    const pf = '0102030405060708';
    const noSm4 = resolveCardSpec('psam:no-sm4').os;
    expect(sendHex(noSm4, `80DE030818${f}${pf}`).sw).toBe('6A81');
    expect(sendHex(noSm4, `80DE010818${f}${pf}`).sw).toBe('9000');
    const noRk = resolveCardSpec('psam:no-rksssse').os;
    expect(sendHex(noRk, `80DE030A18${f}${pf}`).sw).toBe('6A88');
    expect(sendHex(noRk, `80DE010A18${f}${pf}`).sw).toBe('6A88');
    expect(sendHex(noRk, `80DE030818${f}${pf}`).sw).toBe('9000');
  });

  it('answers every PSAM status word where it applies', () => {
    const psam = resolveCardSpec('psam').os;
    const f = factors(sscPersona('ssc3').cardId);
    expect(sendHex(psam, '80FA00001000000000000000000000000000000000').sw).toBe('6901'); // no session key
    expect(sendHex(psam, `80DE020818${f}0102030405060708`).sw).toBe('6A81'); // SSF33
    expect(sendHex(psam, `80DE03FF18${f}0102030405060708`).sw).toBe('6A88'); // unknown key id
    expect(sendHex(psam, `80DE99081801020304`).sw).toBe('6700');
    expect(sendHex(psam, `80DE99081800${'00'.repeat(23)}`).sw).toBe('6A86');
    expect(sendHex(psam, `80DE03080701020304050607`).sw).toBe('6700');
    expect(sendHex(psam, `BFDE030818${f}0102030405060708`).sw).toBe('9000'); // Part 9 CLA BF
    expect(sendHex(psam, '80FA000008' + '00'.repeat(8)).sw).toBe('6700'); // SM4 needs 16
    expect(sendHex(psam, '80FA010010' + '00'.repeat(16)).sw).toBe('6A86');
    expect(sendOk(psam, '80FA050005' + '0102030405')).toMatch(/^[0-9A-F]{8}$/);
    expect(sendHex(psam, '00FA000010' + '00'.repeat(16)).sw).toBe('6E00');
    expect(sendHex(psam, '80CA000000').sw).toBe('6D00');
    expect(sendHex(psam, '00C0000010').sw).toBe('6F00');
  });
});

/** The §3 sequence for one DF: challenge, PSAM 80DE 47 <keyId>, 80FA, card 0082 00 <P2>. */
function healthAuth(
  card: ReturnType<typeof resolveCardSpec>,
  psamKeyId: string,
  p2: string,
): string {
  const psam = resolveCardSpec('psam').os;
  const cardNo = card.transport.atr.slice(10, 26);
  const persona = healthPersona(card.label);
  const city = hex(healthCityFactor(fromHex(persona.cityCode)));
  const rand = sendOk(card.os, '0084000008');
  expect(sendHex(psam, `80DE47${psamKeyId}18${cardNo}${city}${rand}`).sw).toBe('9000');
  const enc = sendOk(psam, `80FA0000101122334455667788${'00'.repeat(8)}`);
  return sendHex(card.os, `008200${p2}11${fold(enc)}112233445566778801`).sw;
}

const gbk = (h: string): string => new TextDecoder('gbk').decode(fromHex(h)).replace(/\0+$/, '');

describe('health card authentication (kiosk-cards.md §3)', () => {
  for (const id of ['zhou-xiaomei', 'he-jun']) {
    it(`${id}: EF05 free, EF06/EF08/EF07 after 0082 00 04, DF01/DF02 after 0082 00 84`, () => {
      const card = resolveCardSpec(`health:${id}`);
      const os = card.os;
      const p = healthPersona(card.label);
      sendOk(os, '00A4000002DDF1');
      sendOk(os, '00A4000002EF05');
      expect(sendOk(os, '00B2010003')).toBe('010131');
      expect(sendOk(os, '00B2080014').slice(4)).toBe(
        Buffer.from(p.cardNo).toString('hex').toUpperCase(),
      );
      expect(sendOk(os, '00B2390005')).toBe('3903' + p.cityCode);
      expect(sendOk(os, '00B20500B6')).toMatch(/^05B4[0-9A-F]{360}$/);
      sendOk(os, '00A4000002EF06');
      expect(sendHex(os, '00B2010400').sw).toBe('6982');
      expect(healthAuth(card, '31', '04')).toBe('9000');
      sendOk(os, '00A4000002EF06');
      const r1 = sendOk(os, '00B2010400');
      expect(r1.slice(0, 4)).toBe('0B1E');
      expect(gbk(r1.slice(4))).toBe(p.name);
      expect(sendOk(os, '00B2020400')).toBe('0C01' + p.sex);
      expect(sendOk(os, '00B2030400')).toBe('0D01' + p.ethnicity);
      expect(sendOk(os, '00B2040400')).toBe('0E04' + p.birthDate);
      expect(sendOk(os, '00B2050400').slice(4)).toBe(
        Buffer.from(p.idNumber).toString('hex').toUpperCase(),
      );
      sendOk(os, '00A4000002EF08');
      expect(sendOk(os, '00B2010400')).toBe('0704' + p.expiryDate);
      sendOk(os, '00A4000002EF07');
      const first = sendOk(os, '00B0000080');
      const len = parseInt(first.slice(0, 4), 16);
      expect(len).toBeGreaterThan(100);
      expect(len).toBeLessThanOrEqual(3070);
      expect(first.slice(4, 8)).toBe('FFD8');
      expect(sendOk(os, '00B00B8080')).toHaveLength(256);
      expect(sendHex(os, '00B00C0080').sw).toBe('6B00');

      sendOk(os, '00A4000002DF01');
      expect(sendHex(os, '00B2012C00').sw).toBe('6982');
      expect(healthAuth(card, '32', '84')).toBe('9000');
      const addr = sendOk(os, '00B2022C00');
      expect(addr.slice(0, 4)).toBe('1664');
      expect(gbk(addr.slice(4))).toBe(p.address1);

      sendOk(os, '00A4000002DF02');
      expect(healthAuth(card, '32', '84')).toBe('63C2'); // DF01's key does not open DF02
      expect(healthAuth(card, '33', '84')).toBe('9000');
      expect(sendOk(os, '00B2292800')).toBe('2901' + p.abo);
      expect(sendOk(os, '00B22A2800')).toBe('2A01' + p.rh + 'F');
      expect(sendOk(os, '00B2362800')).toBe('3601' + p.warningFlags.pacemaker);
    });
  }

  it('a wrong city factor fails (the key is per card and per city)', () => {
    const card = resolveCardSpec('health');
    const psam = resolveCardSpec('psam').os;
    sendOk(card.os, '00A4000002DDF1');
    const rand = sendOk(card.os, '0084000008');
    sendOk(psam, `80DE473118${card.transport.atr.slice(10, 26)}5201303030303030${rand}`);
    const enc = sendOk(psam, `80FA0000101122334455667788${'00'.repeat(8)}`);
    expect(sendHex(card.os, `0082000411${fold(enc)}112233445566778801`).sw).toBe('63C2');
  });

  it('key version other than 01 → 6A88; the health card has no PIN → 6A88', () => {
    const card = resolveCardSpec('health');
    sendOk(card.os, '00A4000002DDF1');
    sendOk(card.os, '0084000008');
    expect(sendHex(card.os, `0082000411${'00'.repeat(16)}02`).sw).toBe('6A88');
    expect(sendHex(card.os, '0020000003123456').sw).toBe('6A88');
  });
});
