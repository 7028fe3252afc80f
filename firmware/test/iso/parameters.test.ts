// Get/Set/ResetParameters (CCID §6.1.7, layouts of iso7816-and-ccid.md §B4): T=0 5 bytes, T=1
// 7 bytes, every field checked with the index of the offending byte, the UART following.
import { describe, expect, it } from 'vitest';
import { CcidError } from '../../../protocol/ccid-constants.ts';
import { UartFlag } from '../../hal.ts';
import { Rig } from './rig.ts';
import { T0Card } from './t0-card.ts';
import { T1Card } from './t1-card.ts';
import { SSC_ATR, t1Atr, T0_FAST_ATR } from './atrs.ts';

async function powered(atr: number[], apdu = false, t1 = false) {
  const rig = await Rig.create();
  const app = () => ({ data: [], sw: 0x9000 });
  rig.insert(0, t1 ? new T1Card({ atr, app: () => [0x90, 0x00] }) : new T0Card({ atr, app }));
  expect(rig.powerOn(0, 1, apdu).error).toBe(0);
  return rig;
}

describe('parameters', () => {
  it("the SSC's T=0 parameters after the ATR: TC1 00, WI 10, no clock stop", async () => {
    const rig = await powered(SSC_ATR);
    expect(rig.getParameters(0)).toEqual({ protocol: 0, data: [0x11, 0x00, 0x00, 0x0a, 0x00] });
  });

  it('libccid T=0 SetParameters 11 00 00 0A 00 is taken as it is', async () => {
    const rig = await powered(SSC_ATR);
    expect(rig.setParameters(0, 0, [0x11, 0x00, 0x00, 0x0a, 0x00])).toBe(0);
    expect(rig.getParameters(0).data).toEqual([0x11, 0x00, 0x00, 0x0a, 0x00]);
  });

  it('TPDU level: SetParameters sets the UART (F, D, N, T=1 frame)', async () => {
    const rig = await powered(t1Atr(), false, true);
    expect(rig.setParameters(0, 1, [0x13, 0x11, 0x02, 0x45, 0x00, 0xfe, 0x00])).toBe(0);
    const uart = rig.callsOf('card_uart', 0).at(-1)!.args;
    expect(uart.slice(1, 4)).toEqual([372, 4, 2]);
    expect(uart[4] & UartFlag.T1).toBe(UartFlag.T1);
    expect(rig.getParameters(0)).toEqual({
      protocol: 1,
      data: [0x13, 0x11, 0x02, 0x45, 0x00, 0xfe, 0x00],
    });
    // WWT of a later T=0 choice uses D: SetParameters T=0 with TA 13 and WI 20.
    expect(rig.setParameters(0, 0, [0x13, 0x00, 0x00, 0x14, 0x00])).toBe(0);
    expect(rig.getParameters(0).data).toEqual([0x13, 0x00, 0x00, 0x14, 0x00]);
  });

  it('each bad field is refused with its byte index, and nothing changes', async () => {
    const rig = await powered(SSC_ATR);
    const t0 = [0x11, 0x00, 0x00, 0x0a, 0x00];
    const t1 = [0x11, 0x10, 0x00, 0x4d, 0x00, 0x20, 0x00];
    const cases: [number, number[], number][] = [
      [2, t0, 7], // bProtocolNum
      [0, t1, 1], // dwLength does not fit T=0
      [1, t0, 1],
      [0, [0x71, 0x00, 0x00, 0x0a, 0x00], 10], // FI 7 RFU
      [0, [0x1a, 0x00, 0x00, 0x0a, 0x00], 10], // DI 10 RFU
      [0, [0x17, 0x00, 0x00, 0x0a, 0x00], 10], // 372/64 < 8 clocks per etu
      [0, [0x11, 0x01, 0x00, 0x0a, 0x00], 11], // bmTCCKST0 b0
      [0, [0x11, 0x02, 0x00, 0x0a, 0x00], 11], // inverse, but the card is direct
      [0, [0x11, 0x00, 0x00, 0x00, 0x00], 13], // WI 0
      [0, [0x11, 0x00, 0x00, 0x0a, 0x04], 14], // bClockStop
      [1, [0x11, 0x00, 0x00, 0x4d, 0x00, 0x20, 0x00], 11], // bmTCCKST1 without 0x10
      [1, [0x11, 0x10, 0x00, 0xad, 0x00, 0x20, 0x00], 13], // BWI 10
      [1, [0x11, 0x10, 0x00, 0x4d, 0x00, 0x00, 0x00], 15], // IFSC 0
      [1, [0x11, 0x10, 0x00, 0x4d, 0x00, 0xff, 0x00], 15], // IFSC 255
      [1, [0x11, 0x10, 0x00, 0x4d, 0x00, 0x20, 0x88], 16], // NAD b4/b8
    ];
    for (const [protocol, data, index] of cases) {
      expect([protocol, data, rig.setParameters(0, protocol, data)]).toEqual([
        protocol,
        data,
        index,
      ]);
    }
    expect(rig.getParameters(0).data).toEqual(t0);
  });

  it('APDU level: the negotiated rate and protocol cannot be changed, the rest can', async () => {
    const rig = await powered(T0_FAST_ATR, true);
    const p = rig.getParameters(0).data; // 11: no PPS answer from this card model
    expect(rig.setParameters(0, 0, [0x13, ...p.slice(1)])).toBe(10);
    expect(rig.setParameters(0, 1, [p[0], 0x10, 0x00, 0x4d, 0x00, 0x20, 0x00])).toBe(7);
    expect(rig.setParameters(0, 0, [p[0], 0x00, 0x00, 0x20, 0x00])).toBe(0);
    expect(rig.getParameters(0).data[3]).toBe(0x20);
  });

  it('ResetParameters goes back to what the activation ended with', async () => {
    const rig = await powered(SSC_ATR);
    const initial = rig.getParameters(0);
    expect(rig.setParameters(0, 0, [0x13, 0x00, 0x05, 0x14, 0x00])).toBe(0);
    expect(rig.exports.reset_parameters(0)).toBe(0);
    expect(rig.getParameters(0)).toEqual(initial);
    expect(rig.callsOf('card_uart', 0).at(-1)!.args.slice(1, 4)).toEqual([372, 1, 0]);
  });

  it('SetParameters while an exchange runs: CMD_SLOT_BUSY', async () => {
    const rig = await powered(SSC_ATR);
    rig.transmitAsync(0, [0x00, 0xb0, 0x00, 0x00, 0x01]);
    expect(rig.setParameters(0, 0, [0x11, 0x00, 0x00, 0x0a, 0x00])).toBe(CcidError.CmdSlotBusy);
    expect(rig.exports.reset_parameters(0)).toBe(CcidError.CmdSlotBusy);
  });
});
