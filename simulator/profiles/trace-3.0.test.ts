// kiosk-cards.md §1.9: the real 3.0 card trace (S8 加密机方式指令流.txt), replayed command by command
// against the ssc3 profile. The answers have the trace's structure (tags, lengths, status words);
// random values differ; authentication succeeds only with the test keys (test HSM).

import { describe, expect, it } from 'vitest';
import { sendHex, sendOk } from './card-harness.ts';
import { resolveCardSpec, sscPersona } from './index.ts';
import { hsmReadCardBas } from './test-hsm.ts';

const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF';
// The trace's FCI: 6F1C 840F <AID> A509 88011E 9F0C03 860103.
const TRACE_FCI = '6F1C840F7378312E73682EC9E7BBE1B1A3D5CFA50988011E9F0C038601039000';

/** The trace up to the HSM call: returns the iReadCardBas_HSM_Step1 string. */
function readUntilHsm(spec: string): {
  os: ReturnType<typeof resolveCardSpec>['os'];
  step1: string;
  irkAnswer: string;
} {
  const card = resolveCardSpec(spec);
  const os = card.os;
  os.reset();
  const persona = sscPersona(spec);
  expect(card.transport.atr).toMatch(/^3B6D0000[0-9A-F]{26}$/);
  const fci = sendHex(os, SELECT_SSSE);
  expect(fci.data + fci.sw).toBe(TRACE_FCI);
  expect(sendHex(os, '00A4020002EF05').sw).toBe('9000');
  const r01 = sendOk(os, '00B2010012');
  expect(r01).toMatch(/^0110[0-9A-F]{32}$/);
  expect(r01.slice(4)).toBe(persona.cardId);
  expect(r01.slice(10, 20)).toBe('D156000005');
  expect(sendOk(os, '00B2030006')).toBe('0304332E3030'); // "3.00"
  const r07 = sendOk(os, '00B207000B');
  expect(r07).toMatch(/^0709[0-9A-F]{18}$/);
  expect(Buffer.from(r07.slice(4), 'hex').toString('ascii')).toBe(persona.cardNo);
  expect(sendHex(os, SELECT_SSSE).data).toBe(TRACE_FCI.slice(0, -4));
  const oiInt = sendOk(os, '0084000008');
  const pfInt = sendOk(os, '0084000008');
  expect(oiInt).toMatch(/^[0-9A-F]{16}$/);
  expect(pfInt).not.toBe(oiInt);
  const irkAnswer = sendOk(os, `0088000010${pfInt}${oiInt}`);
  expect(irkAnswer).toMatch(/^[0-9A-F]{16}$/);
  const oiExt = sendOk(os, '0084000008');
  const pfExt = sendOk(os, '0084000008');
  const step1 = `${persona.cardId.slice(0, 6)}|${card.transport.atr}|03|${persona.cardId}|${pfInt}|${oiInt}|${pfExt}|${oiExt}|${'0'.repeat(32)}|`;
  return { os, step1, irkAnswer };
}

describe('§1.9 real 3.0 trace against ssc3', () => {
  it('replays with the same structure and the test HSM unlocks EF06', () => {
    const { os, step1, irkAnswer } = readUntilHsm('ssc3');
    const pKey = hsmReadCardBas(step1);
    expect(pKey).toMatch(/^[0-9A-F]{32}\|[0-9A-F]{32}\|$/);
    const [internal, external] = pKey.split('|');
    // The HSM's internal authentication data equals the card's answer (§1.7).
    expect(internal.slice(0, 16)).toBe(irkAnswer);
    expect(sendHex(os, `0082000A10${external}`).sw).toBe('9000');
    expect(sendHex(os, '00A4020002EF05').sw).toBe('9000');
    expect(sendOk(os, '00B2030006')).toBe('0304332E3030');
    expect(sendOk(os, '00B2050006')).toMatch(/^0504\d{8}$/);
    expect(sendOk(os, '00B2060006')).toMatch(/^0604\d{8}$/);
    expect(sendHex(os, '00A4020002EF06').sw).toBe('9000');
    const persona = sscPersona('ssc3');
    const r08 = sendOk(os, '00B2080014');
    expect(r08.slice(0, 4)).toBe('0812');
    expect(Buffer.from(r08.slice(4), 'hex').toString('ascii')).toBe(persona.ssn);
    const r09 = sendOk(os, '00B2090020');
    expect(r09.slice(0, 4)).toBe('091E');
    expect(
      new TextDecoder('gbk').decode(Buffer.from(r09.slice(4), 'hex')).replace(/\0+$/, ''),
    ).toBe(persona.name);
    expect(sendOk(os, '00B24E0016')).toBe('4E14' + '00'.repeat(20));
  });

  it('EF06 stays closed without external authentication', () => {
    const { os } = readUntilHsm('ssc3');
    sendOk(os, '00A4020002EF06');
    expect(sendHex(os, '00B2080014').sw).toBe('6982');
  });

  it('a wrong key is refused with 63Cx, then 6983 when the tries are spent', () => {
    const { os, step1 } = readUntilHsm('ssc3');
    const [, external] = hsmReadCardBas(step1).split('|');
    const wrong = (parseInt(external[0], 16) ^ 1).toString(16).toUpperCase() + external.slice(1);
    expect(sendHex(os, `0082000A10${wrong}`).sw).toBe('63C2');
    // The challenge was consumed: the right answer to it is now refused for want of a challenge.
    expect(sendHex(os, `0082000A10${external}`).sw).toBe('6984');
    sendOk(os, '00A4020002EF06');
    expect(sendHex(os, '00B2080014').sw).toBe('6982');
    for (const sw of ['63C1', '63C0']) {
      sendOk(os, '0084000008');
      expect(sendHex(os, `0082000A10${'00'.repeat(16)}`).sw).toBe(sw);
    }
    sendOk(os, '0084000008');
    expect(sendHex(os, `0082000A10${'00'.repeat(16)}`).sw).toBe('6983');
  });

  it('another card’s keys do not open this card', () => {
    const { os, step1 } = readUntilHsm('ssc3');
    const other = sscPersona('ssc3:wang-zhe').cardId;
    const forged = step1.replace(/\|03\|[0-9A-F]{32}\|/, `|03|${other}|`);
    const [, external] = hsmReadCardBas(forged).split('|');
    expect(sendHex(os, `0082000A10${external}`).sw).toBe('63C2');
  });

  it('the 3DES answer of the same HSM does not open an SM4 card', () => {
    const { os, step1 } = readUntilHsm('ssc3');
    const [, external] = hsmReadCardBas(step1.replace('|03|', '|01|')).split('|');
    expect(sendHex(os, `0082000A10${external}`).sw).toBe('63C2');
  });

  it('works for every ssc3 persona, the name joined from 09 and 4E', () => {
    for (const id of ['li-na', 'wang-zhe', 'ayguli', 'ma-xiaoyan', 'tashi']) {
      const spec = `ssc3:${id}`;
      const { os, step1 } = readUntilHsm(spec);
      const [, external] = hsmReadCardBas(step1).split('|');
      expect(sendHex(os, `0082000A10${external}`).sw).toBe('9000');
      sendOk(os, '00A4020002EF06');
      const r09 = sendOk(os, '00B2090020').slice(4);
      const r4e = sendOk(os, '00B24E0016').slice(4);
      const name = new TextDecoder('gbk').decode(Buffer.from(r09 + r4e, 'hex')).replace(/\0/g, '');
      expect(name).toBe(sscPersona(spec).name);
    }
  });
});
