// End to end on the simulator: verifyPin / changePin → the CCID client → firmware.wasm (the
// reader's PIN pad) → the keypad's key scripts → the virtual social security card. Each outcome
// with what the display showed and what the card's PIN state became.
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError, NoCardError } from '../ccid/errors.ts';
import { changePin, verifyPin } from './pin-entry.ts';
import type { PinProgress } from './secure-channel.ts';
import { pinRig, type PinRig } from './testing/sim-pin-rig.ts';

let rig: PinRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function open(card = 'ssc3:li-na'): Promise<PinRig> {
  rig = await pinRig({ card });
  return rig;
}

/** The display states seen since `from`, as "row0|row1". */
function shown(r: PinRig, from = 0): string[] {
  return r
    .displayHistory()
    .slice(from)
    .map((rows) => rows.join('|'));
}

describe('verifyPin on the reader keypad (ssc3:li-na, PIN 123456, 3 tries)', () => {
  it('correct PIN: ok; prompt with the indicator, one star per digit, the outcome; VERIFY sent once', async () => {
    const r = await open();
    r.sim.typeKeys('1 2 3 4 5 6 enter');
    const progress: PinProgress[] = [];
    expect(await verifyPin({ slot: r.slot, onProgress: (p) => progress.push(p) })).toEqual({
      outcome: 'ok',
    });
    const seen = shown(r);
    expect(seen).toContain('🔒请输入密码|');
    expect(seen).toContain('🔒请输入密码|******');
    expect(seen).not.toContain('🔒请输入密码|*******');
    expect(r.display()).toEqual(['密码正确', '']);
    expect(r.cardCommands).toEqual(['00 20']);
    expect(r.cardPin.triesLeft).toBe(3);
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) expect(p.stage).toBe('current');
    expect(progress.every((p) => p.digits >= 0 && p.digits <= 6)).toBe(true);
  });

  it('wrong PIN: wrong-pin with the tries left, shown on the display, counted by the card', async () => {
    const r = await open();
    r.sim.typeKeys('6 5 4 3 2 1 enter');
    expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });
    expect(r.display()).toEqual(['密码错误', '剩余2次']);
    expect(r.cardPin.triesLeft).toBe(2);
    r.sim.typeKeys('1 2 3 4 5 6 enter');
    expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'ok' });
    expect(r.cardPin.triesLeft).toBe(3);
  });

  it('the third wrong PIN blocks it (63C0), and then even the right one is refused (6983)', async () => {
    const r = await open();
    for (const tries of [2, 1]) {
      r.sim.typeKeys('0 0 0 0 enter');
      expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'wrong-pin', triesLeft: tries });
    }
    r.sim.typeKeys('0 0 0 0 enter');
    expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'blocked' });
    expect(r.display()[0]).toBe('密码已锁定');
    r.sim.typeKeys('1 2 3 4 5 6 enter');
    expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'blocked' });
    expect(r.cardPin.triesLeft).toBe(0);
  });

  it('a card whose PIN is blocked (ssc3:ma-xiaoyan): blocked', async () => {
    const r = await open('ssc3:ma-xiaoyan');
    r.sim.typeKeys('2 4 6 8 1 0 enter');
    expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'blocked' });
    expect(r.display()).toEqual(['密码已锁定', '']);
  });

  it('timeout: no key for 30 s (the default) ends the entry without card I/O; so does a long pause after a key', async () => {
    const r = await open();
    const t0 = r.sim.clientClock.now();
    expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'timeout' });
    expect(r.sim.clientClock.now() - t0).toBeGreaterThanOrEqual(30_000);
    expect(r.sim.clientClock.now() - t0).toBeLessThan(31_000);
    expect(r.display()).toEqual(['输入超时', '']);
    // Inter-key: 15 s after the last key.
    r.sim.typeKeys('1 2 3 wait:20000 4 5 6 enter');
    const t1 = r.sim.clientClock.now();
    expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'timeout' });
    const took = r.sim.clientClock.now() - t1;
    expect(took).toBeGreaterThanOrEqual(15_600);
    expect(took).toBeLessThan(16_000);
    // bTimeOut from the caller.
    const t2 = r.sim.clientClock.now();
    expect(await verifyPin({ slot: r.slot, timeoutSeconds: 5 })).toEqual({ outcome: 'timeout' });
    expect(r.sim.clientClock.now() - t2).toBeLessThan(6_000);
    expect(r.cardCommands).toEqual([]);
    expect(r.cardPin.triesLeft).toBe(3);
  });

  it('cancel: cancelled, no card I/O', async () => {
    const r = await open();
    r.sim.typeKeys('1 2 3 cancel');
    expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'cancelled' });
    expect(r.display()).toEqual(['已取消', '']);
    expect(r.cardCommands).toEqual([]);
    expect(r.cardPin.triesLeft).toBe(3);
  });

  it('backspace and clear correct typos: the stars follow, the card gets the corrected PIN', async () => {
    const r = await open();
    const from = r.displayHistory().length;
    r.sim.typeKeys('1 2 3 4 5 7 backspace 6 enter');
    expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'ok' });
    const stars = shown(r, from)
      .filter((s) => s.startsWith('🔒'))
      .map((s) => s.split('|')[1].length)
      .filter((n, i, all) => i === 0 || n !== all[i - 1]);
    expect(stars).toEqual([0, 1, 2, 3, 4, 5, 6, 5, 6]);
    r.sim.typeKeys('9 9 9 clear 1 2 3 4 5 6 enter');
    expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'ok' });
    expect(r.cardCommands).toEqual(['00 20', '00 20']);
    expect(r.cardPin.triesLeft).toBe(3);
  });

  it('too short and too long: invalid-length before anything reaches the card', async () => {
    const r = await open();
    r.sim.typeKeys('1 2 3 enter');
    expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'invalid-length' });
    expect(r.display()).toEqual(['密码长度错误', '']);
    r.sim.typeKeys(`${'1 '.repeat(17)} enter`);
    expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'invalid-length' });
    // 16 digits is the most the keypad takes, and the card gets it.
    r.sim.typeKeys(`${'1 '.repeat(16)} enter`);
    expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });
    expect(r.cardCommands).toEqual(['00 20']);
  });

  it('Abort from the host ends the entry: the call rejects, the display says so, the slot is free', async () => {
    const r = await open();
    r.sim.typeKeys('1 2 3');
    const abort = new AbortController();
    const call = verifyPin({
      slot: r.slot,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.digits === 3) abort.abort();
      },
    });
    await expect(call).rejects.toBeInstanceOf(CancelledError);
    // The reader has the Abort's answer before the slot is used again.
    r.sim.typeKeys('1 2 3 4 5 6 enter');
    expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'ok' });
    expect(shown(r)).toContain('已中止|');
    expect(r.cardCommands).toEqual(['00 20']);
  });

  it('English prompts and outcome with language en', async () => {
    const r = await open();
    r.sim.typeKeys('1 2 3 4 enter');
    expect(await verifyPin({ slot: r.slot, language: 'en' })).toEqual({
      outcome: 'wrong-pin',
      triesLeft: 2,
    });
    expect(shown(r)).toContain('🔒Enter PIN|****');
    expect(r.display()).toEqual(['Wrong PIN', '2 tries left']);
  });
});

describe('the card during an entry', () => {
  it('pulled while the holder types: the call fails with NoCardError, the display says so', async () => {
    const r = await open();
    r.sim.typeKeys('1 2 3');
    const call = verifyPin({
      slot: r.slot,
      onProgress: (p) => {
        if (p.digits === 3) r.sim.removeCard(0);
      },
    });
    await expect(call).rejects.toBeInstanceOf(NoCardError);
    expect(r.display()).toEqual(['卡已拔出', '']);
    expect(r.cardCommands).toEqual([]);
  });

  it('a T=1 card (ssc3-t1) in the native profile: the reader runs T=1 itself', async () => {
    const r = await open('ssc3-t1:li-na');
    r.sim.typeKeys('1 2 3 4 5 6 enter');
    expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'ok' });
    r.sim.typeKeys('1 2 3 4 5 6 enter 9 8 7 6 enter 9 8 7 6 enter');
    expect(await changePin({ slot: r.slot })).toEqual({ outcome: 'ok' });
    expect(r.cardPin.digits).toBe('9876');
  });
});

describe('changePin on the reader keypad', () => {
  it('old, new, confirm: ok; the card has the new PIN; progress names each stage', async () => {
    const r = await open();
    r.sim.typeKeys('1 2 3 4 5 6 enter 2 4 6 8 0 enter 2 4 6 8 0 enter');
    const stages = new Set<string>();
    expect(await changePin({ slot: r.slot, onProgress: (p) => stages.add(p.stage) })).toEqual({
      outcome: 'ok',
    });
    expect(r.cardPin.digits).toBe('24680');
    expect(r.cardCommands).toEqual(['80 5E']);
    const seen = shown(r);
    for (const prompt of ['🔒请输入原密码|******', '🔒请输入新密码|*****', '🔒请确认新密码|*****'])
      expect(seen).toContain(prompt);
    expect(r.display()).toEqual(['密码已修改', '']);
    expect([...stages].every((s) => ['current', 'new', 'confirm'].includes(s))).toBe(true);
    r.sim.typeKeys('2 4 6 8 0 enter');
    expect(await verifyPin({ slot: r.slot })).toEqual({ outcome: 'ok' });
  });

  it('new PINs that differ: mismatch, nothing sent, the PIN unchanged', async () => {
    const r = await open();
    r.sim.typeKeys('1 2 3 4 5 6 enter 1 1 1 1 enter 2 2 2 2 enter');
    expect(await changePin({ slot: r.slot })).toEqual({ outcome: 'mismatch' });
    expect(r.display()).toEqual(['两次密码不一致', '']);
    expect(r.cardCommands).toEqual([]);
    expect(r.cardPin.digits).toBe('123456');
  });

  it('a wrong old PIN: wrong-pin, the PIN unchanged', async () => {
    const r = await open();
    r.sim.typeKeys('9 9 9 9 enter 1 1 1 1 enter 1 1 1 1 enter');
    expect(await changePin({ slot: r.slot })).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });
    expect(r.cardPin.digits).toBe('123456');
  });

  it('a too-short new PIN ends the change at once', async () => {
    const r = await open();
    r.sim.typeKeys('1 2 3 4 5 6 enter 1 2 enter');
    expect(await changePin({ slot: r.slot })).toEqual({ outcome: 'invalid-length' });
    expect(r.cardCommands).toEqual([]);
  });
});
