// iVerifyPIN / iChangePIN end to end: the national codes over the simulated reader's keypad
// (host/pin/testing/sim-pin-rig.ts: firmware.wasm, keypad scripts, the virtual SSC).
import { afterEach, describe, expect, it } from 'vitest';
import { NoCardError } from '../../ccid/errors.ts';
import { pinRig, type PinRig } from '../../pin/testing/sim-pin-rig.ts';
import { nationalBytes } from './basic-info.ts';
import { SscNationalPin } from './national-pin.ts';

let rig: PinRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function national(card = 'ssc3:li-na') {
  const r = (rig = await pinRig({ card }));
  return { r, pin: new SscNationalPin({ pinPad: async () => r.slot }) };
}

describe('iVerifyPIN', () => {
  it('0 for the right PIN; −51 with the tries left in pOutInfo (GBK) for a wrong one', async () => {
    const { r, pin } = await national();
    r.sim.typeKeys('1 2 3 4 5 6 enter');
    expect(await pin.iVerifyPIN(1)).toMatchObject({ code: 0, pOutInfo: '' });
    r.sim.typeKeys('1 1 1 1 enter');
    const wrong = await pin.iVerifyPIN(1);
    expect(wrong).toMatchObject({
      code: -51,
      pOutInfo: 'PIN校验失败，剩余次数2次',
      error: { code: -51, triesLeft: 2, sw: '63C2' },
    });
    expect(wrong.gbk).toEqual(nationalBytes('PIN校验失败，剩余次数2次'));
  });

  it('−52 blocked, −31 cancelled, −32 timeout, −33 wrong length', async () => {
    const { r, pin } = await national();
    r.sim.typeKeys('1 2 cancel');
    expect((await pin.iVerifyPIN(3)).code).toBe(-31);
    expect((await pin.iVerifyPIN(3)).code).toBe(-32);
    r.sim.typeKeys('1 2 enter');
    expect(await pin.iVerifyPIN(3)).toMatchObject({ code: -33, pOutInfo: '输入密码长度错' });
    for (let i = 0; i < 3; i++) {
      r.sim.typeKeys('9 9 9 9 enter');
      await pin.iVerifyPIN(1);
    }
    r.sim.typeKeys('1 2 3 4 5 6 enter');
    expect(await pin.iVerifyPIN(1)).toMatchObject({ code: -52, pOutInfo: 'PIN锁定' });
  });

  it('−14 for a bad iType, −2 when there is no card', async () => {
    const pin = new SscNationalPin({
      pinPad: async () => {
        throw new NoCardError('no card in slot 0', { slot: 0 });
      },
    });
    expect((await pin.iVerifyPIN(7)).code).toBe(-14);
    expect((await pin.iVerifyPIN(1)).code).toBe(-2);
  });
});

describe('iChangePIN', () => {
  it('0 and the card has the new PIN; −34 when the new PINs differ', async () => {
    const { r, pin } = await national();
    r.sim.typeKeys('1 2 3 4 5 6 enter 1 1 2 2 3 3 enter 1 1 2 2 3 4 enter');
    expect(await pin.iChangePIN(1)).toMatchObject({ code: -34, pOutInfo: '两次输入密码不一致' });
    r.sim.typeKeys('1 2 3 4 5 6 enter 1 1 2 2 3 3 enter 1 1 2 2 3 3 enter');
    expect((await pin.iChangePIN(1)).code).toBe(0);
    expect(r.cardPin.digits).toBe('112233');
  });
});
