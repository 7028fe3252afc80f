// The bank application on the SSC chip (kiosk-cards.md §4): the kiosk flow that reads the card
// number — SELECT PSE, SELECT A000000333010101, GPO, AFL walk, tag 5A — and its fallback.

import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../protocol/bytes.ts';
import { sendHex, sendOk } from '../../profiles/card-harness.ts';
import { resolveCardSpec, sscPersona } from '../../profiles/index.ts';

const GPO = '80A800000B8309' + '00'.repeat(7) + '0156' + '00';

/** BER-TLV objects of `hex` (one level), for finding tags in answers. */
function tlvs(hex: string): Map<string, string> {
  const b = fromHex(hex);
  const out = new Map<string, string>();
  let at = 0;
  while (at < b.length) {
    let tagEnd = at + 1;
    if ((b[at] & 0x1f) === 0x1f) while (b[tagEnd++] & 0x80);
    const tag = Buffer.from(b.subarray(at, tagEnd)).toString('hex').toUpperCase();
    let len = b[tagEnd];
    let v = tagEnd + 1;
    if (len === 0x81) len = b[v++];
    out.set(
      tag,
      Buffer.from(b.subarray(v, v + len))
        .toString('hex')
        .toUpperCase(),
    );
    at = v + len;
  }
  return out;
}

describe('bank application', () => {
  for (const spec of ['ssc3', 'ssc2:zhao-kun', 'ssc3-t1:ayguli']) {
    it(`${spec}: PSE, AID, GPO, AFL walk → 5A, 57, 5F20, 5F24`, () => {
      const os = resolveCardSpec(spec).os;
      const bank = sscPersona(spec).bank;
      const pse = tlvs(tlvs(sendOk(os, '00A404000E315041592E5359532E444446303100')).get('6F')!);
      expect(pse.get('84')).toBe('315041592E5359532E4444463031');
      expect(tlvs(pse.get('A5')!).get('88')).toBe('01');
      const dir = tlvs(tlvs(tlvs(sendOk(os, '00B2010C00')).get('70')!).get('61')!);
      expect(dir.get('4F')).toBe('A000000333010101');
      const fci = tlvs(tlvs(sendOk(os, '00A4040008A00000033301010100')).get('6F')!);
      expect(fci.get('84')).toBe('A000000333010101');
      expect(tlvs(fci.get('A5')!).get('9F38')).toBe('9F7A019F02065F2A02');
      const gpo = tlvs(tlvs(sendOk(os, GPO)).get('77')!);
      expect(gpo.get('82')).toBe('7C00');
      const afl = fromHex(gpo.get('94')!);
      const found = new Map<string, string>();
      for (let i = 0; i < afl.length; i += 4) {
        for (let rec = afl[i + 1]; rec <= afl[i + 2]; rec++) {
          const p2 = ((afl[i] >> 3) << 3) | 4;
          const r = sendOk(
            os,
            `00B2${rec.toString(16).padStart(2, '0')}${p2.toString(16).padStart(2, '0')}00`,
          );
          for (const [t, v] of tlvs(tlvs(r).get('70')!)) found.set(t, v);
        }
      }
      expect(found.get('5A')).toBe(bank.pan + 'F');
      expect(found.get('57')!.startsWith(bank.pan + 'D')).toBe(true);
      expect(Buffer.from(found.get('5F20')!, 'hex').toString('ascii')).toBe(bank.holder);
      expect(found.get('5F24')).toBe(bank.expiry);
      // Fallback of §4: SELECT PSE, SELECT AID, 00B2 01 14 00 without GPO.
      const os2 = resolveCardSpec(spec).os;
      sendOk(os2, '00A404000E315041592E5359532E4444463031');
      sendOk(os2, '00A4040008A000000333010101');
      expect(tlvs(tlvs(sendOk(os2, '00B2011400')).get('70')!).get('5A')).toBe(bank.pan + 'F');
    });
  }

  it('GPO: 6985 outside the payment application, 6700 for bad data, 6A86 for P1/P2; the firewall', () => {
    const os = resolveCardSpec('ssc3').os;
    expect(sendHex(os, GPO).sw).toBe('6985');
    sendOk(os, '00A404000F7378312E73682EC9E7BBE1B1A3D5CF');
    expect(sendHex(os, GPO).sw).toBe('6985');
    expect(sendHex(os, '00B2010C00').sw).toBe('6A82'); // SSSE has no SFI 1: the PSE is another DF
    sendOk(os, '00A4040008A000000333010101');
    expect(sendHex(os, '80A80000028300').sw).toBe('9000');
    expect(sendHex(os, '80A8000003830900').sw).toBe('6700');
    expect(sendHex(os, '80A80000027000').sw).toBe('6700');
    expect(sendHex(os, '80A8010002830000').sw).toBe('6A86');
    expect(sendHex(os, '00A8000002830000').sw).toBe('6E00');
    expect(sendHex(os, '00B2010C05').sw).toBe(
      '6C2A'.slice(0, 2) + sendHex(os, '00B2010C05').sw.slice(2),
    );
  });
});
