import { describe, expect, it } from 'vitest';
import { authData, encryptEcb, sessionKey } from '../../../simulator/cos/crypto.ts';
import { sscCardKey } from '../../../simulator/profiles/keys.ts';
import { fromHex, toHex } from '../../iso7816/hex.ts';
import { CardError } from '../card-error.ts';
import { Psam } from '../psam/psam.ts';
import { ScriptChannel, fixedRandom, type ScriptStep } from '../testing/script-channel.ts';
import { formatCardBasic } from './basic-info.ts';
import { readSscBasic } from './read-basic.ts';
import * as T from './trace-card.test-data.ts';

const ok = (hex = ''): string => hex + '9000';
const PSAM_ATR = '3B6900008131FE454A434F503231';

/** What a PSAM holding the test master keys answers to CIPHER DATA (KEYS.md §4). */
function psamCipher(key: 'IRK' | 'RKSSSE', alg: 'SM4' | '3DES', pf: string, oi: string): string {
  const sk = sessionKey(alg, sscCardKey(key, alg, T.CARD_ID), fromHex(pf));
  const block = new Uint8Array(alg === 'SM4' ? 16 : 8);
  block.set(fromHex(oi));
  return toHex(encryptEcb(alg, sk, block));
}
function cardAuth(key: 'IRK' | 'RKSSSE', alg: 'SM4' | '3DES', pf: string, oi: string): string {
  return toHex(
    authData(alg, sessionKey(alg, sscCardKey(key, alg, T.CARD_ID), fromHex(pf)), fromHex(oi)),
  );
}

function sm4Script(): { card: ScriptStep[]; psam: ScriptStep[] } {
  const intAuth = cardAuth('IRK', 'SM4', T.PF_INT, T.OI_INT);
  const extAuth = cardAuth('RKSSSE', 'SM4', T.CHALLENGE, T.OI_EXT);
  return {
    card: [
      { command: T.SELECT_SSSE, answer: ok(T.FCI_SM4) },
      { command: T.READ_EF05, answer: ok(T.EF05) },
      { command: '0088000010' + T.PF_INT + T.OI_INT + '08', answer: ok(intAuth) },
      { command: '0084000008', answer: ok(T.CHALLENGE) },
      { command: '0082000A10' + extAuth + T.OI_EXT, answer: ok() },
      { command: T.READ_EF06, answer: ok(T.EF06) },
    ],
    psam: [
      { command: '00B0960006', answer: ok('410100813475') },
      { command: '80DE030818' + T.FACTORS + T.PF_INT, answer: ok() },
      {
        command: '80FA000010' + T.OI_INT + '00'.repeat(8) + '10',
        answer: ok(psamCipher('IRK', 'SM4', T.PF_INT, T.OI_INT)),
      },
      { command: '80DE030A18' + T.FACTORS + T.CHALLENGE, answer: ok() },
      {
        command: '80FA000010' + T.OI_EXT + '00'.repeat(8) + '10',
        answer: ok(psamCipher('RKSSSE', 'SM4', T.CHALLENGE, T.OI_EXT)),
      },
    ],
  };
}

const random = (): ((n: number) => Uint8Array) => fixedRandom(T.PF_INT, T.OI_INT, T.OI_EXT);

describe('readSscBasic through the PSAM', () => {
  it('reads a 3.0 SM4 card in 6 card commands and 5 PSAM commands, values and string exact', async () => {
    // The worked example of KEYS.md §2 pins the maths the scripted answers come from.
    expect(cardAuth('IRK', 'SM4', T.PF_INT, T.OI_INT)).toBe('0167097F0E6C3619');
    expect(cardAuth('RKSSSE', 'SM4', T.CHALLENGE, T.OI_EXT)).toBe('5C9BA6B71240C2D4');
    const s = sm4Script();
    const card = new ScriptChannel(T.ATR, s.card);
    const psamChannel = new ScriptChannel(PSAM_ATR, s.psam);
    const info = await readSscBasic(card, { psam: new Psam(psamChannel), random: random() });
    expect(card.remaining).toEqual([]);
    expect(psamChannel.remaining).toEqual([]);
    expect(card.transactions).toBe(1);
    expect(psamChannel.transactions).toBe(1);
    expect(info).toMatchObject({
      regionCode: '519900',
      socialSecurityNumber: '510122201610225130',
      cardNumber: 'HA1046924',
      cardId: T.CARD_ID,
      name: '白哲宇',
      historicalBytes: T.HISTORICAL,
      specVersion: '3.00',
      issueDate: '20180403',
      expiryDate: '20280403',
      terminalNumber: '410100813475',
      terminalDeviceNumber: '',
      algorithm: 'SM4',
      authentication: 'psam',
    });
    expect(info.holder).toMatchObject({
      sex: '1',
      ethnicity: '01',
      birthplace: '510122',
      birthDate: '20161022',
      hasNameExtension: true,
    });
    expect(info.issuer).toMatchObject({
      cardCategory: '3',
      initialisingOrg: '9156000002519900519900DB',
    });
    expect(formatCardBasic(info)).toBe(T.NATIONAL_NO_PSAM.replace('000000000000', '410100813475'));
  });

  it('reads a 2.0 3DES card without external authentication', async () => {
    const ef05 = T.EF05.replace('0304332E3030', '0304322E3000');
    const intAuth = cardAuth('IRK', '3DES', T.PF_INT, T.OI_INT);
    const card = new ScriptChannel(T.ATR, [
      { command: T.SELECT_SSSE, answer: ok(T.FCI_3DES) },
      { command: T.READ_EF05, answer: ok(ef05) },
      { command: '0088000010' + T.PF_INT + T.OI_INT + '08', answer: ok(intAuth) },
      { command: T.READ_EF06, answer: ok(T.EF06) },
    ]);
    const psamChannel = new ScriptChannel(PSAM_ATR, [
      { command: '00B0960006', answer: ok('410100813475') },
      { command: '80DE010818' + T.FACTORS + T.PF_INT, answer: ok() },
      {
        command: '80FA000008' + T.OI_INT + '08',
        answer: ok(psamCipher('IRK', '3DES', T.PF_INT, T.OI_INT)),
      },
    ]);
    expect(intAuth).toBe('0A611B54551A079D');
    const info = await readSscBasic(card, { psam: new Psam(psamChannel), random: random() });
    expect(info.specVersion).toBe('2.0');
    expect(info.algorithm).toBe('DES');
    expect(card.remaining).toEqual([]);
    expect(psamChannel.remaining).toEqual([]);
  });

  it('refuses a card whose internal authentication differs from the PSAM: −21', async () => {
    const s = sm4Script();
    s.card[2].answer = ok('0000000000000000');
    const err = await readSscBasic(new ScriptChannel(T.ATR, s.card), {
      psam: new Psam(new ScriptChannel(PSAM_ATR, s.psam)),
      random: random(),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(CardError);
    expect(err.code).toBe(-21);
  });

  it('maps the PSAM answers to −2202 and −2203, and no PSAM to −2201', async () => {
    const noAlg = sm4Script();
    noAlg.psam[1].answer = '6A81';
    noAlg.card.splice(4); // the card stops after GET CHALLENGE
    let err = await readSscBasic(new ScriptChannel(T.ATR, noAlg.card), {
      psam: new Psam(new ScriptChannel(PSAM_ATR, noAlg.psam)),
      random: random(),
    }).catch((e) => e);
    expect(err.code).toBe(-2202);

    const noRk = sm4Script();
    noRk.psam[3].answer = '6A88';
    noRk.card.splice(4);
    err = await readSscBasic(new ScriptChannel(T.ATR, noRk.card), {
      psam: new Psam(new ScriptChannel(PSAM_ATR, noRk.psam)),
      random: random(),
    }).catch((e) => e);
    expect(err.code).toBe(-2203);

    const none = sm4Script();
    err = await readSscBasic(new ScriptChannel(T.ATR, none.card.slice(0, 2)), {
      random: random(),
    }).catch((e) => e);
    expect(err.code).toBe(-2201);
    expect(err.message).toMatch(/no PSAM/);
  });

  it('passes a failed external authentication through as −(SW): 63C2 → −25538', async () => {
    const s = sm4Script();
    s.card[4].answer = '63C2';
    s.card.splice(5);
    const err = await readSscBasic(new ScriptChannel(T.ATR, s.card), {
      psam: new Psam(new ScriptChannel(PSAM_ATR, s.psam)),
      random: random(),
    }).catch((e) => e);
    expect(err.code).toBe(-25538);
    expect(err.details.triesLeft).toBe(2);
  });

  it('says −1 for a card without SSSE', async () => {
    const card = new ScriptChannel(T.ATR, [{ command: T.SELECT_SSSE, answer: '6A82' }]);
    const err = await readSscBasic(card, { random: random() }).catch((e) => e);
    expect(err.code).toBe(-1);
  });
});

describe('readSscBasic through the HSM', () => {
  it('replays the real trace (§1.9): same randoms, same HSM strings, same answers', async () => {
    const card = new ScriptChannel(T.ATR, [
      { command: T.SELECT_SSSE, answer: ok(T.FCI_SM4) },
      { command: T.READ_EF05, answer: ok(T.EF05) },
      { command: '0088000010' + T.PF_INT + T.OI_INT + '08', answer: ok('F4A0CF965BDCEA30') },
      { command: '0084000008', answer: ok(T.CHALLENGE) },
      { command: '0082000A10774A08EDF447A1DEE603E2CAADAF02B6', answer: ok() },
      { command: T.READ_EF06, answer: ok(T.EF06) },
    ]);
    const asked: string[] = [];
    const info = await readSscBasic(card, {
      random: random(),
      hsm: async (request) => {
        asked.push(request.national);
        return 'F4A0CF965BDCEA30DBF7A936D0D18C9E|774A08EDF447A1DEE603E2CAADAF02B6|';
      },
    });
    // The spec form of the trace's HSM input (historical bytes in field 2, 8 fields).
    expect(asked).toEqual([
      '519900|00814A444686605199000001AC|03|519900D15600000510000B26FFFFFFFF|32D9E876ADB31BBF|DBF7A936D0D18C9E|98B4D293D091C331|E603E2CAADAF02B6|',
    ]);
    expect(info.authentication).toBe('hsm');
    expect(formatCardBasic(info)).toBe(T.NATIONAL_NO_PSAM);
    expect(card.remaining).toEqual([]);
  });

  it('falls back to the HSM when the PSAM lacks RKSSSE, keeping the PSAM terminal number', async () => {
    const s = sm4Script();
    s.psam[3].answer = '6A88';
    s.psam.splice(4);
    const card = new ScriptChannel(T.ATR, [
      ...s.card.slice(0, 4),
      // the HSM path: its own internal authentication and a fresh challenge
      {
        command: '0088000010' + 'AA'.repeat(8) + 'BB'.repeat(8) + '08',
        answer: ok('1122334455667788'),
      },
      { command: '0084000008', answer: ok('CC'.repeat(8)) },
      { command: '0082000A10' + 'DD'.repeat(8) + 'EE'.repeat(8), answer: ok() },
      { command: T.READ_EF06, answer: ok(T.EF06) },
    ]);
    const info = await readSscBasic(card, {
      psam: new Psam(new ScriptChannel(PSAM_ATR, s.psam)),
      random: fixedRandom(
        T.PF_INT,
        T.OI_INT,
        T.OI_EXT,
        'AA'.repeat(8),
        'BB'.repeat(8),
        'EE'.repeat(8),
      ),
      hsm: async (r) => {
        expect(r.kind === 'iReadCardBas' && r.external).toEqual({
          processFactor: 'CC'.repeat(8),
          originalInfo: 'EE'.repeat(8),
        });
        return `1122334455667788${'BB'.repeat(8)}|${'DD'.repeat(8)}${'EE'.repeat(8)}|`;
      },
    });
    expect(info.authentication).toBe('hsm');
    expect(info.terminalNumber).toBe('410100813475');
    expect(card.remaining).toEqual([]);
  });

  it('rejects an HSM answer that does not match the card: −21, and a malformed one: −23', async () => {
    const steps = (): ScriptStep[] => [
      { command: T.SELECT_SSSE, answer: ok(T.FCI_SM4) },
      { command: T.READ_EF05, answer: ok(T.EF05) },
      { command: '0088000010' + T.PF_INT + T.OI_INT + '08', answer: ok('F4A0CF965BDCEA30') },
      { command: '0084000008', answer: ok(T.CHALLENGE) },
    ];
    let err = await readSscBasic(new ScriptChannel(T.ATR, steps()), {
      random: random(),
      hsm: async () => '0000000000000000DBF7A936D0D18C9E|774A08EDF447A1DEE603E2CAADAF02B6|',
    }).catch((e) => e);
    expect(err.code).toBe(-21);
    err = await readSscBasic(new ScriptChannel(T.ATR, steps()), {
      random: random(),
      hsm: async () => 'nonsense|',
    }).catch((e) => e);
    expect(err.code).toBe(-23);
    err = await readSscBasic(new ScriptChannel(T.ATR, steps()), {
      random: random(),
      hsm: async () => {
        throw new Error('HSM offline');
      },
    }).catch((e) => e);
    expect(err.code).toBe(-23);
    expect(err.message).toMatch(/HSM offline/);
  });
});
