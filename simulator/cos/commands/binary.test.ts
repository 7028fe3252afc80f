import { describe, expect, it } from 'vitest';
import { sendHex, sendOk } from '../../profiles/card-harness.ts';
import { resolveCardSpec, sscPersona } from '../../profiles/index.ts';
import { hsmReadCardBas } from '../../profiles/test-hsm.ts';
import { smCommand } from './sm-test-support.ts';

const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF';

/** ssc3 with SSSE selected and RKSSSE authenticated through the test HSM. */
function unlocked(spec = 'ssc3') {
  const card = resolveCardSpec(spec);
  const os = card.os;
  const p = sscPersona(spec);
  sendOk(os, SELECT_SSSE);
  const oiI = sendOk(os, '0084000008');
  const pfI = sendOk(os, '0084000008');
  const oiE = sendOk(os, '0084000008');
  const pfE = sendOk(os, '0084000008');
  const step1 = `${p.cardId.slice(0, 6)}|${card.transport.atr.slice(8)}|03|${p.cardId}|${pfI}|${oiI}|${pfE}|${oiE}|`;
  const external = hsmReadCardBas(step1).split('|')[1];
  expect(sendHex(os, `0082000A10${external}`).sw).toBe('9000');
  return os;
}

describe('READ BINARY', () => {
  it('EF07/EF08 need RKSSSE; by SFI or by offset after SELECT', () => {
    const locked = resolveCardSpec('ssc3').os;
    sendOk(locked, SELECT_SSSE);
    expect(sendHex(locked, '00B0870000').sw).toBe('6982');
    const os = unlocked();
    const head = sendOk(os, '00B0870010');
    expect(head).toHaveLength(32);
    expect(sendOk(os, '00B0000010')).toBe(head); // EF07 is current now
    expect(sendOk(os, '00B0000000')).toHaveLength(512); // Le 00: 256 bytes
    expect(sendOk(os, '00B00208')).toHaveLength(0xf8 * 2); // no Le: what is left, up to 256
    expect(sendOk(os, '00B002F010')).toHaveLength(32); // the last 16 bytes of 0x300
    expect(sendHex(os, '00B002F020').sw).toBe('6C10');
    expect(sendOk(os, '00B002F000')).toHaveLength(32); // Le 00: what is left
    expect(sendHex(os, '00B0030000').sw).toBe('6B00');
    expect(sendHex(os, '00B0E70000').sw).toBe('6A86'); // P1 b7..b6 must be 0 with an SFI
    expect(sendHex(os, '00B0890000').sw).toBe('6A82'); // no SFI 9 in SSSE
  });

  it('the photo: extended Le 0000 reads the whole 0x1000 bytes; a JPEG behind a 2-byte length', () => {
    const os = unlocked();
    const all = sendOk(os, '00B08800000000');
    expect(all).toHaveLength(0x1000 * 2);
    expect(all.slice(4, 8)).toBe('FFD8');
  });

  it('6981 on a record file, 6986 without a current EF', () => {
    const os = resolveCardSpec('ssc2').os;
    sendOk(os, SELECT_SSSE);
    expect(sendHex(os, '00B0000010').sw).toBe('6986');
    sendOk(os, '00A4020002EF05');
    expect(sendHex(os, '00B0000010').sw).toBe('6981');
    expect(sendHex(os, '00D6000001FF').sw).toBe('6981');
  });
});

describe('UPDATE BINARY', () => {
  it('EF07 is updated with secure messaging under UKSSSE', () => {
    const os = unlocked();
    const key = { name: 'UKSSSE' as const, alg: 'SM4' as const, cardId: sscPersona('ssc3').cardId };
    sendOk(os, '00A4020002EF07');
    expect(sendHex(os, '00D6000004CAFEBABE').sw).toBe('6982');
    expect(sendHex(os, smCommand(os, '04D60010', 'CAFEBABE', key)).sw).toBe('9000');
    expect(sendOk(os, '00B0001004')).toBe('CAFEBABE');
    expect(sendHex(os, smCommand(os, '04D602FE', 'CAFEBABE', key)).sw).toBe('6700'); // past the end
    expect(sendHex(os, smCommand(os, '04D60300', 'CA', key)).sw).toBe('6B00');
    expect(sendHex(os, smCommand(os, '04D68710', 'BEEF', key)).sw).toBe('9000'); // by SFI
    expect(sendOk(os, '00B0001004')).toBe('BEEFBABE');
    // The security state does not cover UPDATE: a wrong MAC is refused.
    const cmd = smCommand(os, '04D60010', '00000000', key);
    expect(sendHex(os, cmd.slice(0, -2) + (cmd.endsWith('FF') ? '00' : 'FF')).sw).toBe('6988');
  });

  it('PSAM files are read-only', () => {
    const os = resolveCardSpec('psam').os;
    sendOk(os, '00A40000020016');
    expect(sendHex(os, '00D6000001FF').sw).toBe('6982');
    expect(sendHex(os, '04D6000005FF00000000').sw).toBe('6988');
  });
});
