// kiosk-cards.md §1.10: PIN reload through an HSM — PUK external authentication (key id 06),
// then 84 24 00 01 with the PIN block enciphered and MACed under the STKSSSE session key —
// against our keys (KEYS.md §5), on the SM4 card and the 3DES card; and PIN unblock.

import { describe, expect, it } from 'vitest';
import { sendHex, sendOk } from './card-harness.ts';
import { resolveCardSpec, sscPersona } from './index.ts';
import { hsmExternalAuth, hsmSecureMessaging } from './test-hsm.ts';

const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF';

function cnPin(pin: string): string {
  return pin.length % 2 ? pin + 'F' : pin;
}

function pukAuthenticated(spec: string, alg: '01' | '03', pukP2 = '06') {
  const os = resolveCardSpec(spec).os;
  const cardInfo = `${sscPersona(spec).cardId}|${sscPersona(spec).cardNo}|`;
  sendOk(os, SELECT_SSSE);
  const oi = sendOk(os, '0084000008');
  const pf = sendOk(os, '0084000008');
  const auth = hsmExternalAuth(`${alg}|0090|${pf}|${oi}|`, cardInfo);
  expect(auth).toMatch(/^[0-9A-F]{16}/);
  expect(auth.slice(16)).toBe(oi);
  expect(sendHex(os, `008200${pukP2}10${auth}`).sw).toBe('9000');
  return { os, cardInfo };
}

describe('§1.10 PIN reload', () => {
  it('SM4 card: reload to 123456 with Lc 14, then VERIFY with the new PIN', () => {
    const spec = 'ssc3:wang-zhe';
    const { os, cardInfo } = pukAuthenticated(spec, '03');
    const factor = sendOk(os, '0084000008');
    const step3 = hsmSecureMessaging(`03|0173|${factor}|8424000114|123456|`, cardInfo);
    expect(step3).toHaveLength(50);
    expect(sendHex(os, step3).sw).toBe('9000');
    expect(sendHex(os, '0020000003123456').sw).toBe('9000');
    // The old PIN no longer works.
    expect(sendHex(os, `0020000003${cnPin(sscPersona(spec).pin)}`).sw).toBe('63C2');
  });

  it('3DES card: Lc 0C (34 hex characters), PUK key id 10 also accepted', () => {
    const { os, cardInfo } = pukAuthenticated('ssc2', '01', '10');
    const factor = sendOk(os, '0084000008');
    const step3 = hsmSecureMessaging(`01|0173|${factor}|842400010C|24680|`, cardInfo);
    expect(step3).toHaveLength(34);
    expect(sendHex(os, step3).sw).toBe('9000');
    expect(sendHex(os, '002000000324680F').sw).toBe('9000');
  });

  it('unblocks the blocked card: 6983 before, tries restored after', () => {
    const spec = 'ssc3:ma-xiaoyan';
    const pin = sscPersona(spec).pin;
    const { os, cardInfo } = pukAuthenticated(spec, '03');
    expect(sendHex(os, `0020000003${pin}`).sw).toBe('6983');
    expect(sendHex(os, '0020000000').sw).toBe('6983');
    const factor = sendOk(os, '0084000008');
    const step3 = hsmSecureMessaging(`03|0173|${factor}|8424000004||`, cardInfo);
    expect(step3).toHaveLength(18);
    expect(sendHex(os, step3).sw).toBe('9000');
    expect(sendHex(os, '0020000000').sw).toBe('63C3');
    expect(sendHex(os, `0020000003${pin}`).sw).toBe('9000');
  });

  it('needs PUK authentication, a challenge and a right MAC', () => {
    const spec = 'ssc3';
    const os = resolveCardSpec(spec).os;
    const cardInfo = sscPersona(spec).cardId;
    sendOk(os, SELECT_SSSE);
    let factor = sendOk(os, '0084000008');
    let step3 = hsmSecureMessaging(`03|0173|${factor}|8424000114|123456|`, cardInfo);
    expect(sendHex(os, step3).sw).toBe('6982'); // no PUK authentication
    const { os: os2 } = pukAuthenticated(spec, '03');
    expect(sendHex(os2, step3).sw).toBe('6984'); // no challenge since PUK authentication
    factor = sendOk(os2, '0084000008');
    step3 = hsmSecureMessaging(`03|0173|${factor}|8424000114|123456|`, cardInfo);
    const flipped = step3.slice(0, -1) + (step3.endsWith('0') ? '1' : '0');
    expect(sendHex(os2, flipped).sw).toBe('6988');
    expect(sendHex(os2, step3).sw).toBe('6984'); // the challenge was consumed by the failed attempt
    expect(sendHex(os2, '8424000110' + '00'.repeat(16)).sw).toBe('6700');
    expect(sendHex(os2, '8424000214' + '00'.repeat(20)).sw).toBe('6A86');
    expect(sendHex(os2, '0424000114' + '00'.repeat(20)).sw).toBe('6E00');
  });

  it('a wrong PUK answer gives 63Cx and leaves reload closed', () => {
    const os = resolveCardSpec('ssc3').os;
    sendOk(os, SELECT_SSSE);
    sendOk(os, '0084000008');
    expect(sendHex(os, `0082000610${'11'.repeat(16)}`).sw).toBe('63C2');
    const factor = sendOk(os, '0084000008');
    const step3 = hsmSecureMessaging(
      `03|0173|${factor}|8424000114|123456|`,
      sscPersona('ssc3').cardId,
    );
    expect(sendHex(os, step3).sw).toBe('6982');
  });

  it('the PUK state is lost on reset and on leaving SSSE', () => {
    const { os, cardInfo } = pukAuthenticated('ssc3', '03');
    sendOk(os, '00A4040006D15600000500'); // DF01 by name: another DF
    sendOk(os, SELECT_SSSE);
    const factor = sendOk(os, '0084000008');
    expect(
      sendHex(os, hsmSecureMessaging(`03|0173|${factor}|8424000114|123456|`, cardInfo)).sw,
    ).toBe('6982');
    const { os: os2 } = pukAuthenticated('ssc3', '03');
    os2.reset();
    sendOk(os2, SELECT_SSSE);
    const f2 = sendOk(os2, '0084000008');
    expect(sendHex(os2, hsmSecureMessaging(`03|0173|${f2}|8424000114|123456|`, cardInfo)).sw).toBe(
      '6982',
    );
  });
});
