import { describe, expect, it } from 'vitest';
import { sendHex, sendOk } from '../../profiles/card-harness.ts';
import { resolveCardSpec } from '../../profiles/index.ts';

const SSSE = '7378312E73682EC9E7BBE1B1A3D5CF';
const SSSE_FCI = '6F1C840F' + SSSE + 'A50988011E9F0C03860103';

describe('SELECT', () => {
  it('by name answers the FCI (P2 00), nothing (P2 0C) or the FCP (P2 04)', () => {
    const os = resolveCardSpec('ssc3').os;
    expect(sendOk(os, `00A404000F${SSSE}`)).toBe(SSSE_FCI);
    expect(sendOk(os, `00A404000F${SSSE}00`)).toBe(SSSE_FCI);
    expect(sendOk(os, `00A4040C0F${SSSE}`)).toBe('');
    expect(sendOk(os, `00A404040F${SSSE}`)).toBe('6214' + '820138' + '840F' + SSSE);
    expect(sendHex(os, `00A404000F${SSSE}10`).sw).toBe('6C1E');
  });

  it('an EF by FID with P1 02 or 00 (§6 item 8) answers 9000 without FCI; FCP on request', () => {
    const os = resolveCardSpec('ssc3').os;
    sendOk(os, `00A404000F${SSSE}`);
    expect(sendHex(os, '00A4020002EF05')).toEqual({ data: '', sw: '9000' });
    expect(sendHex(os, '00A4000002EF06')).toEqual({ data: '', sw: '9000' });
    expect(sendOk(os, '00A4020402EF07')).toBe('620E8302EF0782010180020300880138');
  });

  it('the MF by 3F00, by empty data, by an empty name', () => {
    const os = resolveCardSpec('ssc3').os;
    for (const c of ['00A40000023F00', '00A40000', '00A4000000', '00A4040000']) {
      sendOk(os, `00A404000F${SSSE}`);
      expect(sendHex(os, c).sw, c).toBe('9000');
      expect(sendHex(os, '00A4020002EF05').sw, c).toBe('6A82'); // EF05 is under SSSE, not the MF
    }
  });

  it('child DF (P1 01), parent (P1 03), siblings by FID (P1 00)', () => {
    const os = resolveCardSpec('ssc3').os;
    sendOk(os, `00A404000F${SSSE}`);
    expect(sendHex(os, '00A4010002DF01')).toEqual({ data: '', sw: '9000' });
    expect(sendHex(os, '00A4010002EF05').sw).toBe('6A82'); // an EF is not a child DF
    expect(sendHex(os, '00A4000002DF04').sw).toBe('9000'); // sibling
    expect(sendOk(os, '00A4030000')).toBe(SSSE_FCI);
    sendOk(os, '00A4010002DF02');
    expect(sendOk(os, '00A40300')).toBe(SSSE_FCI);
    expect(sendHex(os, '00A4030002DF01').sw).toBe('6700');
    sendOk(os, '00A40000023F00');
    expect(sendHex(os, '00A40300').sw).toBe('6A82'); // the MF has no parent
  });

  it('by path from the MF (P1 08, with or without 3F00) and from the current DF (P1 09)', () => {
    const os = resolveCardSpec('health').os;
    expect(sendHex(os, '00A4080004DDF1DF01').sw).toBe('9000');
    expect(sendHex(os, '00A40800063F00DDF1EF05').sw).toBe('9000');
    expect(sendOk(os, '00B2010003')).toBe('010131');
    expect(sendHex(os, '00A4090004DF02EF05').sw).toBe('9000');
    expect(sendHex(os, '00A4080006DDF1EF05DF01').sw).toBe('6A82'); // through an EF
    expect(sendHex(os, '00A4080003DDF1DF').sw).toBe('6700');
    expect(sendHex(os, '00A4080002DDF2').sw).toBe('6A82');
  });

  it('by right-truncated name, first and next occurrence', () => {
    const os = resolveCardSpec('ssc3').os;
    expect(sendOk(os, '00A40400077378312E73682E')).toBe(SSSE_FCI);
    expect(sendHex(os, '00A40402077378312E73682E').sw).toBe('6A82');
    expect(sendHex(os, '00A4040005D156000005').sw).toBe('9000'); // DF01 (no FCI)
    expect(sendHex(os, '00A4040205D156000005').sw).toBe('9000'); // DF02
    expect(sendHex(os, '00A40000020000').sw).toBe('6A82');
  });

  it('answers 6A86, 6700, 6A82, 6E00 for bad commands', () => {
    const os = resolveCardSpec('ssc3').os;
    for (const [c, sw] of [
      ['00A4050002EF05', '6A86'],
      ['00A4000102EF05', '6A86'],
      ['00A4000302EF05', '6A86'],
      ['00A4000802EF05', '6A86'],
      ['00A4001002EF05', '6A86'],
      ['00A4000202EF05', '6A86'], // "next" only for names
      ['00A4020003EF0500', '6700'],
      ['00A4010001DF', '6700'],
      ['00A4040011' + '00'.repeat(17), '6700'],
      ['00A4020002EF99', '6A82'],
      ['80A4020002EF05', '6E00'],
    ]) {
      expect(sendHex(os, c).sw, c).toBe(sw);
    }
  });
});
