import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sendHex, sendOk } from '../../profiles/card-harness.ts';
import { resolveCardSpec } from '../../profiles/index.ts';

const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF';

function card(spec = 'ssc3') {
  const os = resolveCardSpec(spec).os; // li-na, PIN 123456, 3 tries
  sendOk(os, SELECT_SSSE);
  return os;
}

describe('VERIFY (kiosk-cards.md §1.5, §1.6)', () => {
  it('right PIN → 9000; the status query (Lc 0) spends no try', () => {
    const os = card();
    expect(sendHex(os, '00200000').sw).toBe('63C3');
    expect(sendHex(os, '0020000000').sw).toBe('63C3');
    expect(sendHex(os, '0020000003123456').sw).toBe('9000');
    expect(sendHex(os, '0020000000').sw).toBe('9000');
  });

  it('wrong PIN counts down 63C2, 63C1, 63C0, then 6983 even for the right PIN; a right PIN resets', () => {
    const os = card();
    expect(sendHex(os, '0020000003111111').sw).toBe('63C2');
    expect(sendHex(os, '0020000003123456').sw).toBe('9000');
    expect(sendHex(os, '00200000').sw).toBe('9000');
    expect(sendHex(os, '0020000003111111').sw).toBe('63C2');
    expect(sendHex(os, '00200000').sw).toBe('63C2'); // no longer verified
    expect(sendHex(os, '0020000003111111').sw).toBe('63C1');
    expect(sendHex(os, '0020000003111111').sw).toBe('63C0');
    expect(sendHex(os, '0020000003123456').sw).toBe('6983');
    expect(sendHex(os, '00200000').sw).toBe('6983');
    os.reset(); // the try counter is persistent
    sendOk(os, SELECT_SSSE);
    expect(sendHex(os, '0020000003123456').sw).toBe('6983');
  });

  it('the blocked persona answers 6983', () => {
    const os = card('ssc3:ma-xiaoyan');
    expect(sendHex(os, '0020000003246810').sw).toBe('6983');
  });

  it('verification is lost on reset and on DF change', () => {
    const os = card();
    sendOk(os, '0020000003123456');
    sendOk(os, '00A4000002DF01');
    expect(sendHex(os, '00200000').sw).toBe('63C3');
    sendOk(os, '0020000003123456');
    os.reset();
    expect(sendHex(os, '00200000').sw).toBe('63C3');
  });

  it('the PIN can be verified from the MF and opens PIN-or-RK files (DF01)', () => {
    const os = resolveCardSpec('ssc3').os;
    expect(sendHex(os, '0020000003123456').sw).toBe('9000');
    sendOk(os, SELECT_SSSE);
    sendOk(os, '00A4000002DF01');
    expect(sendHex(os, '00B2012C00').sw).toBe('6982');
    sendOk(os, '0020000003123456');
    expect(sendOk(os, '00B2012C52')).toMatch(/^2050/);
    expect(sendOk(os, '00B2315005')).toBe('310343484E'); // EF0A 国籍 "CHN" by identifier, SFI 0A
  });

  it('answers 6700, 6A80, 6A86, 6A88, 6E00 for bad commands', () => {
    const os = card();
    for (const [c, sw] of [
      ['002000000112', '6700'],
      ['002000000912345678901234567F', '6700'],
      ['00200000031234A6', '6A80'],
      ['0020000003F23456', '6A80'],
      ['00200000031F3456', '6A80'],
      ['0020010003123456', '6A86'],
      ['0020000103123456', '6A88'],
      ['0020008103123456', '6A88'], // DF-specific PIN: none in SSSE
      ['8020000003123456', '6E00'],
    ]) {
      expect(sendHex(os, c).sw, c).toBe(sw);
    }
    expect(sendHex(os, '00200000').sw).toBe('63C3'); // none of these spent a try
  });

  it('answers are status words only, whatever is sent (the PIN never comes back)', () => {
    const os = card();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 10 }), (pin) => {
        const hex = Buffer.from(pin).toString('hex');
        const r = sendHex(os, '00200000' + pin.length.toString(16).padStart(2, '0') + hex);
        expect(r.data).toBe('');
      }),
    );
  });
});

describe('CHANGE PIN (80 5E 01 00, old ‖ FF ‖ new)', () => {
  it('changes the PIN, odd lengths F-padded; the new PIN verifies, the old does not', () => {
    const os = card();
    expect(sendHex(os, '805E010007123456FF97531F').sw).toBe('9000');
    expect(sendHex(os, '002000000397531F').sw).toBe('9000');
    expect(sendHex(os, '0020000003123456').sw).toBe('63C2');
  });

  it('a wrong old PIN counts down; blocked → 6983', () => {
    const os = card();
    expect(sendHex(os, '805E010007111111FF654321').sw).toBe('63C2');
    expect(sendHex(os, '805E010007111111FF654321').sw).toBe('63C1');
    expect(sendHex(os, '805E010007111111FF654321').sw).toBe('63C0');
    expect(sendHex(os, '805E010007123456FF654321').sw).toBe('6983');
  });

  it('answers 6700, 6A80, 6A86, 6E00 for bad commands', () => {
    const os = card();
    for (const [c, sw] of [
      ['805E0100021234', '6700'],
      ['805E010012' + '12'.repeat(8) + 'FF' + '12'.repeat(9), '6700'],
      ['805E010006123456123456', '6A80'], // no separator
      ['805E010005123456FF12', '6A80'], // new PIN too short
      ['805E010007123456FF6543A1', '6A80'],
      ['805E000007123456FF654321', '6A86'],
      ['805E010107123456FF654321', '6A86'],
      ['005E010007123456FF654321', '6E00'],
    ]) {
      expect(sendHex(os, c).sw, c).toBe(sw);
    }
    expect(sendHex(os, '0020000003123456').sw).toBe('9000');
  });
});
