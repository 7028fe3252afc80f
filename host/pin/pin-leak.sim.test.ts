// The PIN exists only in the firmware and the card (ARCHITECTURE.md §7). A holder types unique
// PINs on the simulated keypad — a change to a new PIN, a verification with it, and entries that
// end every other way — and then everything the host side produced is searched for those digits
// in every plausible encoding: the bytes the host received, the CCID client's trace, the API
// results and errors, anything written to the console. Then the firmware's linear memory: every
// buffer that held a digit must have been wiped.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { changePin, verifyPin } from './pin-entry.ts';
import type { TraceEntry } from '../ccid/frame-channel.ts';
import { pinRig, type PinRig } from './testing/sim-pin-rig.ts';

let rig: PinRig | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await rig?.close();
  rig = undefined;
});

/** Every byte pattern a PIN of these digits could travel as. */
function encodings(pin: string): { name: string; bytes: Uint8Array }[] {
  const digits = [...pin].map(Number);
  const ascii = Uint8Array.from([...pin].map((c) => c.charCodeAt(0)));
  const bcd = (d: number[]) => {
    const padded = d.length % 2 ? [...d, 0xf] : d;
    return Uint8Array.from(
      { length: padded.length / 2 },
      (_, i) => (padded[2 * i] << 4) | padded[2 * i + 1],
    );
  };
  const utf16 = new Uint8Array(ascii.length * 2);
  ascii.forEach((c, i) => (utf16[2 * i] = c));
  // Patterns under 3 bytes match by chance anywhere; a 6-digit PIN gives at least 3 bytes.
  return [
    { name: 'ASCII', bytes: ascii },
    { name: 'UTF-16LE', bytes: utf16 },
    { name: 'BCD (cn)', bytes: bcd(digits) },
    // The same BCD one nibble off: the inner bytes of x1 23 45 6x.
    { name: 'BCD shifted', bytes: bcd(digits.slice(1, digits.length - ((digits.length - 1) % 2))) },
    { name: 'one digit a byte', bytes: Uint8Array.from(digits) },
    {
      name: 'ASCII hex of BCD',
      bytes: new TextEncoder().encode(Buffer.from(bcd(digits)).toString('hex')),
    },
    {
      name: 'spaced hex of BCD',
      bytes: new TextEncoder().encode(
        [...bcd(digits)].map((b) => b.toString(16).padStart(2, '0')).join(' '),
      ),
    },
  ].filter((e) => e.bytes.length >= 3);
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function findPin(haystack: Uint8Array, pins: string[]): string[] {
  const hits: string[] = [];
  for (const pin of pins)
    for (const e of encodings(pin)) {
      const at = indexOf(haystack, e.bytes);
      if (at >= 0) hits.push(`${e.name} of a typed PIN at ${at}`);
    }
  return hits;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Text of anything, byte arrays as hex (both plain and spaced) and as their raw bytes. */
function text(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v instanceof Uint8Array
      ? Buffer.from(v).toString('hex')
      : typeof v === 'bigint'
        ? String(v)
        : v,
  );
}

function traceBytes(trace: TraceEntry[]): Uint8Array[] {
  return trace.flatMap((e) => {
    if (e.kind === 'out') return [e.frame];
    if (e.kind === 'echo') return [e.bytes];
    if (e.kind === 'in' && 'data' in e.message) return [e.message.data];
    return [];
  });
}

describe('no typed PIN reaches the host side, and the firmware wipes every digit', () => {
  it('change, verify, wrong, cancelled, aborted, timed-out and too-long entries', async () => {
    const logged: string[] = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const)
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(text).join(' '));
      });
    const r = (rig = await pinRig({ card: 'ssc3:li-na' }));
    const OLD = '123456';
    const NEW = '73941862';
    const WRONG = '5820917364';
    const PARTIAL = '407152';
    const typed = [OLD, NEW, WRONG, PARTIAL];
    const keys = (pin: string) => [...pin].join(' ');
    const results: unknown[] = [];
    const errors: unknown[] = [];
    const progress: unknown[] = [];
    const onProgress = (p: unknown) => progress.push(p);

    r.sim.typeKeys(`${keys(OLD)} enter ${keys(NEW)} enter ${keys(NEW)} enter`);
    results.push(await changePin({ slot: r.slot, onProgress }));
    r.sim.typeKeys(`${keys(NEW)} enter`);
    results.push(await verifyPin({ slot: r.slot, onProgress }));
    r.sim.typeKeys(`${keys(WRONG)} enter`);
    results.push(await verifyPin({ slot: r.slot, onProgress }));
    r.sim.typeKeys(`${keys(PARTIAL)} cancel`);
    results.push(await verifyPin({ slot: r.slot, onProgress }));
    r.sim.typeKeys(keys(PARTIAL));
    results.push(await verifyPin({ slot: r.slot, onProgress }));
    r.sim.typeKeys(`${keys(WRONG)}${' 9'.repeat(8)} enter`);
    results.push(await verifyPin({ slot: r.slot, onProgress }));
    const abort = new AbortController();
    r.sim.typeKeys(keys(PARTIAL));
    await verifyPin({
      slot: r.slot,
      signal: abort.signal,
      onProgress: (p) => {
        onProgress(p);
        if (p.digits === PARTIAL.length) abort.abort();
      },
    }).catch((e: unknown) => errors.push(e, (e as Error).message, (e as Error).stack));

    expect(results).toEqual([
      { outcome: 'ok' },
      { outcome: 'ok' },
      { outcome: 'wrong-pin', triesLeft: 2 },
      { outcome: 'cancelled' },
      { outcome: 'timeout' },
      { outcome: 'invalid-length' },
    ]);
    expect(errors).toHaveLength(3);
    // The card got them, so the test typed what it claims.
    expect(r.cardPin.digits).toBe(NEW);

    const hostSide = concat([
      ...r.received,
      ...traceBytes(r.trace),
      new TextEncoder().encode(text(r.trace)),
      new TextEncoder().encode(text(results)),
      new TextEncoder().encode(text(progress)),
      new TextEncoder().encode(errors.map((e) => text(e) + String(e)).join('\n')),
      new TextEncoder().encode(logged.join('\n')),
    ]);
    expect(r.received.reduce((n, b) => n + b.length, 0)).toBeGreaterThan(500);
    expect(findPin(hostSide, typed)).toEqual([]);
    expect(findPin(r.sim.reader.memory(), typed)).toEqual([]);
  });

  it('the search finds a PIN where one is (the check can fail)', () => {
    const pin = '73941862';
    for (const e of encodings(pin)) {
      const hay = concat([Uint8Array.of(1, 2, 3), e.bytes, Uint8Array.of(4)]);
      expect(findPin(hay, [pin]), e.name).not.toEqual([]);
    }
    expect(findPin(new TextEncoder().encode(`{"pin":"${pin}"}`), [pin])).not.toEqual([]);
  });

  it('mid-entry the firmware holds the digits typed so far — and only there (the memory scan can fail)', async () => {
    const r = (rig = await pinRig());
    r.sim.typeKeys('7 3 9 4 8 6 wait:3000 enter');
    const entry = verifyPin({ slot: r.slot });
    await new Promise<void>((resolve) => {
      const check = () =>
        r.display()[1] === '******' ? resolve() : r.sim.clientClock.setTimeout(check, 50);
      check();
    });
    // The keypad's digits, one a byte, in the PIN pad's buffer (and nowhere else as a PIN).
    expect(indexOf(r.sim.reader.memory(), Uint8Array.of(7, 3, 9, 4, 8, 6))).toBeGreaterThan(0);
    expect(await entry).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });
    expect(findPin(r.sim.reader.memory(), ['739486'])).toEqual([]);
  });
});
