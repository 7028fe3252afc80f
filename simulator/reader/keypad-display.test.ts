import { describe, expect, it } from 'vitest';
import { Key } from '../../firmware/hal.ts';
import { VirtualClock } from '../engine/virtual-clock.ts';
import { KeyScriptError } from '../errors.ts';
import { Display, SECURE_ENTRY_INDICATOR } from './display.ts';
import { parseKeyScript } from './key-script.ts';
import { Keypad } from './keypad.ts';

describe('key scripts', () => {
  it('parse keys and waits', () => {
    expect(parseKeyScript('1 2 Enter wait:1500 cancel clear backspace f1')).toEqual([
      { kind: 'key', key: 1 },
      { kind: 'key', key: 2 },
      { kind: 'key', key: Key.Enter },
      { kind: 'wait', ms: 1500 },
      { kind: 'key', key: Key.Cancel },
      { kind: 'key', key: Key.Clear },
      { kind: 'key', key: Key.Backspace },
      { kind: 'key', key: Key.F1 },
    ]);
    expect(parseKeyScript('  ')).toEqual([]);
  });

  it('reject bad tokens with a typed error that never shows digits', () => {
    for (const bad of ['12', 'enterr', 'wait:', 'wait:-1', 'wait:1.5', 'wait:99999999']) {
      expect(() => parseKeyScript(`1 ${bad}`)).toThrow(KeyScriptError);
    }
    try {
      parseKeyScript('123456x');
    } catch (e) {
      expect((e as Error).message).not.toMatch(/\d{2}/);
    }
  });
});

describe('Display', () => {
  it('writes cells, wide characters take two, text past the row is cut', () => {
    const d = new Display(() => 0);
    d.text(0, 0, '请输入密码');
    d.text(1, 12, 'ABCDEFG');
    expect(d.rows()).toEqual(['请输入密码', '            ABCD']);
    d.text(0, 15, '码'); // does not fit in the last cell
    d.text(0, 1, 'x'); // overwrites the right half of 请
    expect(d.rows()[0]).toBe(' x输入密码');
    d.clear();
    expect(d.rows()).toEqual(['', '']);
    expect(d.history).toHaveLength(5);
  });
});

describe('Keypad', () => {
  it('plays a script at the next secure-entry prompt, with its timing', async () => {
    const clock = new VirtualClock();
    const keys: [number, Key][] = [];
    const keypad = new Keypad(
      clock,
      (k) => keys.push([clock.now() / 1e6, k]),
      () => {},
    );
    const display = new Display(
      () => clock.now(),
      () => keypad.setSecureEntry(display.secureEntry()),
    );
    keypad.type('1 2 wait:1000 3 enter');
    clock.runSync(5e9);
    expect(keys).toEqual([]);
    display.text(0, 0, `${SECURE_ENTRY_INDICATOR} PIN`);
    const t0 = clock.now() / 1e6;
    clock.runSync(10e9);
    expect(keys.map(([t, k]) => [t - t0, k])).toEqual([
      [200, 1],
      [400, 2],
      [1600, 3],
      [1800, Key.Enter],
    ]);
    expect(keypad.pressed).toEqual(['*', '*', '*', 'enter']);
    // A script given while the prompt shows starts at once.
    keypad.type('cancel');
    clock.runSync(1e9);
    expect(keys.at(-1)?.[1]).toBe(Key.Cancel);
  });
});
