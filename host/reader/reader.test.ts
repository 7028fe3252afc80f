import { describe, expect, it } from 'vitest';
import { PcToRdr } from '../../protocol/ccid-constants.ts';
import { Profile, VendorCommand, VendorStatus } from '../../protocol/native-constants.ts';
import type { ReaderConfig } from '../../protocol/native/device-info.ts';
import type { FakeCard } from '../ccid/testing/fake-reader.ts';
import { fakeTransport } from '../ccid/testing/fake-link.ts';
import { virtualTime, type VirtualTime } from '../ccid/testing/virtual-time.ts';
import { sleep } from '../clock.ts';
import { Reader, type CardEvent } from './reader.ts';
import { HELLO_ATTEMPTS } from './reader-connection.ts';

const ATR_T0 = Uint8Array.of(0x3b, 0x02, 0x14, 0x50);
/** A T=1 card: TA1 = 96, TD1 = 81, TD2 = 31 (T=1, TA3 IFSC 254, TB3 BWI 4 CWI 5), TCK. */
const ATR_T1 = Uint8Array.of(0x3b, 0x90, 0x96, 0x81, 0x31, 0xfe, 0x45, 0x0d);

/** Answers INS ‖ P2 ‖ 90 00 after `delayMs`; case 4 commands get 61 02 at TPDU level. */
function card(delayMs = 0, atr = ATR_T0): FakeCard & { log: number[] } {
  const log: number[] = [];
  let pending: Uint8Array | undefined;
  return {
    atr,
    delayMs,
    log,
    respond(c) {
      log.push(c[1]);
      if (c[1] === 0xc0 && pending) {
        const r = pending;
        pending = undefined;
        return Uint8Array.from([...r, 0x90, 0x00]);
      }
      // TPDU of a case-4 command (Lc and data): the data waits for GET RESPONSE.
      if (c.length > 5 && c[4] === c.length - 5 && c[1] === 0x88) {
        pending = Uint8Array.of(0xaa, 0xbb);
        return Uint8Array.of(0x61, 0x02);
      }
      return Uint8Array.of(c[1], c[3], 0x90, 0x00);
    },
  };
}

async function rig(
  options: {
    kind?: 'native' | 'stock' | 'silent';
    slots?: number;
    config?: ReaderConfig;
  } = {},
) {
  const vt = virtualTime();
  const fake = fakeTransport({
    clock: vt.clock,
    kind: options.kind,
    slots: options.slots,
    config: options.config,
  });
  const reader = new Reader(fake.transport, { clock: vt.clock });
  const events: string[] = [];
  const warnings: string[] = [];
  const cardEvent = (name: string) => (e: CardEvent) => events.push(`${name}:${e.slot}`);
  reader.on('attached', () => events.push('attached'));
  reader.on('detached', (_r, e) => events.push(`detached:${e.code}`));
  reader.on('card-inserted', cardEvent('inserted'));
  reader.on('card-removed', cardEvent('removed'));
  reader.on('warning', (t) => warnings.push(t));
  return { vt, fake, reader, events, warnings };
}

async function attach(r: Awaited<ReturnType<typeof rig>>) {
  await r.vt.settle(r.reader.start());
  await r.vt.advance(1);
  expect(r.reader.state).toBe('attached');
}

const apdu = (ins: number, p2 = 0) => Uint8Array.of(0x00, ins, 0x00, p2);

function within<T>(vt: VirtualTime, p: Promise<T>) {
  return vt.settle(p);
}

describe('Reader', () => {
  it('negotiates the native profile and reports cards already in place', async () => {
    const r = await rig();
    r.fake.reader.insert(0, card());
    r.fake.reader.insert(1, card());
    await attach(r);
    expect(r.fake.reader.profile).toBe(Profile.Native);
    const caps = r.reader.capabilities!;
    expect(caps).toMatchObject({ profile: 'native', apduLevel: true, pushedCardEvents: true });
    expect(caps.slots.map((s) => s.kind)).toEqual(['user', 'sam', 'sam']);
    expect(caps.hello?.serialNumber).toBe('FAKE0001');
    expect(r.events).toEqual(['attached', 'inserted:0', 'inserted:1']);
    expect(r.warnings).toEqual([]);
    await r.reader.close();
  });

  it('falls back to compat on a stock reader, with a warning that says what compat cannot do', async () => {
    const r = await rig({ kind: 'stock', slots: 1 });
    r.fake.reader.insert(0, card());
    await attach(r);
    expect(r.reader.capabilities).toMatchObject({ profile: 'compat', apduLevel: false });
    expect(r.reader.capabilities!.slots).toHaveLength(1);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/compat profile.*no pushed card events.*T=1/);
    // T=0 at TPDU level: the driver sends case 4 without Le and runs GET RESPONSE on 61xx.
    const s = await within(r.vt, r.reader.connect(0));
    const answer = await within(
      r.vt,
      s.transmit(Uint8Array.of(0x00, 0x88, 0x00, 0x00, 0x02, 0x11, 0x22, 0x00)),
    );
    expect([...answer]).toEqual([0xaa, 0xbb, 0x90, 0x00]);
    const xfrs = r.fake.reader.received.filter((x) => x.type === PcToRdr.XfrBlock);
    expect(xfrs.map((x) => [...x.data!])).toEqual([
      [0x00, 0x88, 0x00, 0x00, 0x02, 0x11, 0x22],
      [0x00, 0xc0, 0x00, 0x00, 0x02],
    ]);
    await expect(r.reader.deviceInfo()).rejects.toMatchObject({ code: 'not-supported-in-compat' });
    await r.reader.close();
  });

  it('falls back to compat when the reader ignores HELLO but answers GetSlotStatus', async () => {
    const r = await rig({ kind: 'silent', slots: 1 });
    r.fake.reader.insert(0, card());
    await attach(r);
    expect(r.reader.capabilities).toMatchObject({ profile: 'compat' });
    expect(r.events).toEqual(['attached', 'inserted:0']);
    await r.reader.close();
  });

  it('asks HELLO again when its answer is lost, and goes native (soak seeds 109, 126)', async () => {
    const r = await rig();
    r.fake.reader.insert(0, card());
    let lost = 0;
    r.fake.reader.dropAnswer = (m) =>
      m.type === PcToRdr.Escape && m.data[2] === VendorCommand.Hello && lost++ < 2;
    await attach(r);
    expect(r.reader.capabilities).toMatchObject({ profile: 'native', apduLevel: true });
    expect(r.fake.reader.profile).toBe(Profile.Native);
    expect(r.warnings).toEqual([]);
    const hellos = r.fake.reader.received.filter(
      (x) => x.type === PcToRdr.Escape && x.data![2] === VendorCommand.Hello,
    );
    expect(hellos).toHaveLength(3);
    await r.reader.close();
  });

  it('never settles for compat against a reader in the native profile whose HELLO answers are lost', async () => {
    const r = await rig();
    r.fake.reader.profile = Profile.Native; // a driver restarted while the reader stayed native
    r.fake.reader.insert(0, card());
    let silent = true;
    r.fake.reader.dropAnswer = (m) =>
      silent && m.type === PcToRdr.Escape && m.data[2] === VendorCommand.Hello;
    void r.reader.start();
    await r.vt.advance(30_000);
    // The open failed (no echo: a native reader) and is tried again with backoff; never compat.
    expect(r.reader.state).not.toBe('attached');
    expect(r.warnings).toEqual([]);
    silent = false;
    await r.vt.advance(10_000);
    expect(r.reader.state).toBe('attached');
    expect(r.reader.capabilities).toMatchObject({ profile: 'native' });
    await r.reader.close();
  });

  it('a compat reader that ignores HELLO is asked HELLO_ATTEMPTS times, then used in compat', async () => {
    const r = await rig({ kind: 'silent', slots: 1 });
    await attach(r);
    expect(r.reader.capabilities).toMatchObject({ profile: 'compat' });
    const hellos = r.fake.reader.received.filter(
      (x) => x.type === PcToRdr.Escape && x.data![2] === VendorCommand.Hello,
    );
    expect(hellos).toHaveLength(HELLO_ATTEMPTS);
    await r.reader.close();
  });

  it('in compat, a slot probe whose answer is lost is asked again: no slot disappears (soak seed 113)', async () => {
    const r = await rig({ kind: 'stock', slots: 3 });
    const lost = new Set<number>();
    r.fake.reader.dropAnswer = (m) => {
      if (m.type !== PcToRdr.GetSlotStatus || m.slot === 0 || lost.has(m.slot)) return false;
      lost.add(m.slot);
      return true; // the first answer for slots 1, 2 and 3 is lost
    };
    await attach(r);
    expect(r.reader.capabilities!.slots.map((s) => s.kind)).toEqual(['user', 'sam', 'sam']);
    // Slot 3 does not exist: the reader said so (bError 5) once asked again.
    const probes = r.fake.reader.received.filter((x) => x.type === PcToRdr.GetSlotStatus);
    expect(probes.filter((x) => x.slot === 3)).toHaveLength(2);
    await r.reader.close();
  });

  it('refuses a T=1 card in compat with a typed error', async () => {
    const r = await rig({ kind: 'stock', slots: 1 });
    r.fake.reader.insert(0, card(0, ATR_T1));
    await attach(r);
    await expect(within(r.vt, r.reader.connect(0))).rejects.toMatchObject({
      code: 'not-supported-in-compat',
      notSupportedInCompat: true,
    });
    await r.reader.close();
  });

  it('polls card presence in compat', async () => {
    const r = await rig({ kind: 'stock', slots: 1 });
    await attach(r);
    r.fake.reader.insert(0, card());
    await r.vt.advance(450);
    expect(r.events).toContain('inserted:0');
    r.fake.reader.pull(0);
    await r.vt.advance(450);
    expect(r.events).toContain('removed:0');
    await r.reader.close();
  });

  it('gives sessions the decoded ATR and protocol, and applies shared/exclusive', async () => {
    const r = await rig();
    r.fake.reader.insert(0, card());
    await attach(r);
    const a = await within(r.vt, r.reader.connect(0, { share: 'shared' }));
    expect([...a.atr]).toEqual([...ATR_T0]);
    expect(a.atrInfo.historicalBytes).toEqual(Uint8Array.of(0x14, 0x50));
    expect(a.protocol).toBe(0);
    const b = await within(r.vt, r.reader.connect(0));
    await expect(within(r.vt, r.reader.connect(0, { share: 'exclusive' }))).rejects.toMatchObject({
      code: 'busy',
    });
    await a.disconnect();
    await b.disconnect();
    const x = await within(r.vt, r.reader.connect(0, { share: 'exclusive' }));
    await expect(within(r.vt, r.reader.connect(0))).rejects.toMatchObject({ code: 'busy' });
    await expect(within(r.vt, x.transmit(apdu(0xb0)))).resolves.toEqual(
      Uint8Array.of(0xb0, 0, 0x90, 0),
    );
    await x.disconnect();
    await expect(x.transmit(apdu(0xb0))).rejects.toMatchObject({ code: 'session-closed' });
    // Powered once: the second and third connects reused the card.
    expect(r.fake.reader.received.filter((m) => m.type === PcToRdr.IccPowerOn)).toHaveLength(1);
    await r.reader.close();
  });

  it('never interleaves another session’s APDUs into an exclusive transaction', async () => {
    const r = await rig();
    const c = card(20);
    r.fake.reader.insert(0, c);
    await attach(r);
    const a = await within(r.vt, r.reader.connect(0));
    const b = await within(r.vt, r.reader.connect(0));
    const inA = a.transaction(async () => {
      for (let i = 1; i <= 3; i++) {
        await a.transmit(apdu(0xa0 + i));
        await sleep(r.vt.clock, 50); // the application thinks between APDUs
      }
    });
    await r.vt.advance(5);
    const fromB = [b.transmit(apdu(0xb1)), b.transmit(apdu(0xb2))];
    const inA2 = a.transaction(async () => {
      await a.transmit(apdu(0xa4));
    });
    await within(r.vt, Promise.all([inA, ...fromB, inA2]));
    // A's first transaction is whole; then FIFO: B's two APDUs, then A's second transaction.
    expect(c.log).toEqual([0xa1, 0xa2, 0xa3, 0xb1, 0xb2, 0xa4]);
    await r.reader.close();
  });

  it('a card pulled mid-read gives CardRemovedError and card-removed; the next card reads fine', async () => {
    const r = await rig();
    r.fake.reader.insert(0, card(500));
    await attach(r);
    const s = await within(r.vt, r.reader.connect(0));
    const read = s.transmit(apdu(0xb2));
    await r.vt.advance(100);
    r.fake.reader.pull(0);
    await expect(within(r.vt, read)).rejects.toMatchObject({
      code: 'card-removed',
      cardRemoved: true,
      nationalCode: -2,
    });
    expect(r.events.filter((e) => e === 'removed:0')).toHaveLength(1);
    await expect(s.transmit(apdu(0xb2))).rejects.toMatchObject({ code: 'card-removed' });
    await expect(within(r.vt, r.reader.connect(0))).rejects.toMatchObject({ code: 'no-card' });
    r.fake.reader.insert(0, card());
    await r.vt.advance(1);
    expect(r.events.slice(-1)).toEqual(['inserted:0']);
    const s2 = await within(r.vt, r.reader.connect(0));
    await expect(within(r.vt, s2.transmit(apdu(0xb2, 5)))).resolves.toEqual(
      Uint8Array.of(0xb2, 5, 0x90, 0),
    );
    await r.reader.close();
  });

  it('a lost link fails pending calls, reports detached, reopens with backoff and reports attached', async () => {
    const r = await rig();
    r.fake.reader.insert(0, card(1000));
    await attach(r);
    const s = await within(r.vt, r.reader.connect(0));
    const pending = s.transmit(apdu(0xb0));
    await r.vt.advance(10);
    r.fake.plugged.value = false;
    r.fake.reader.unplug();
    r.fake.reader.reset(); // the reader lost power with the cable
    await expect(within(r.vt, pending)).rejects.toMatchObject({
      code: 'reader-detached',
      readerDetached: true,
    });
    expect(r.reader.state).toBe('detached');
    expect(r.events).toEqual(['attached', 'inserted:0', 'detached:reader-detached', 'removed:0']);
    await expect(s.transmit(apdu(0xb0))).rejects.toMatchObject({ code: 'reader-detached' });
    await expect(r.reader.connect(0)).rejects.toMatchObject({ code: 'reader-detached' });
    // Unplugged for 2 s: reopen attempts back off (100, 200, 400, 800 ms …).
    const opensBefore = r.fake.opens.count;
    await r.vt.advance(2000);
    const attempts = r.fake.opens.count - opensBefore;
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(attempts).toBeLessThanOrEqual(5);
    r.fake.plugged.value = true;
    await r.vt.advance(5000);
    expect(r.reader.state).toBe('attached');
    expect(r.events.slice(-2)).toEqual(['attached', 'inserted:0']);
    expect(r.fake.reader.profile).toBe(Profile.Native);
    const s2 = await within(r.vt, r.reader.connect(0));
    await expect(within(r.vt, s2.transmit(apdu(0xb0)))).resolves.toHaveLength(4);
    await r.reader.close();
  });

  it('treats a reader that stops answering as lost, and recovers when it answers again', async () => {
    const r = await rig();
    await attach(r);
    r.fake.reader.mute = true;
    await expect(within(r.vt, r.reader.deviceInfo())).rejects.toMatchObject({ code: 'timeout' });
    await r.vt.advance(1);
    expect(r.reader.state).toBe('detached');
    r.fake.reader.mute = false;
    await r.vt.advance(10_000);
    expect(r.reader.state).toBe('attached');
    await r.reader.close();
  });

  it('reads device information and drives display and beeper (native)', async () => {
    const r = await rig();
    await attach(r);
    await expect(within(r.vt, r.reader.deviceInfo())).resolves.toMatchObject({
      serialNumber: 'FAKE0001',
    });
    await within(r.vt, r.reader.display('请插卡', { row: 1 }));
    await within(r.vt, r.reader.beep());
    expect(r.fake.reader.displayed).toEqual(['请插卡']);
    expect(r.fake.reader.beeps).toBe(1);
    await r.reader.close();
    await expect(r.reader.connect(0)).rejects.toMatchObject({ code: 'session-closed' });
  });

  it('rejects bad requests with typed errors', async () => {
    const r = await rig();
    r.fake.reader.insert(0, card());
    await attach(r);
    await expect(r.reader.connect(7)).rejects.toMatchObject({ code: 'bad-request' });
    await expect(r.reader.connect(0, { share: 'sometimes' as never })).rejects.toMatchObject({
      code: 'bad-request',
    });
    const s = await within(r.vt, r.reader.connect(0));
    await expect(s.transmit(Uint8Array.of(0, 1))).rejects.toMatchObject({ code: 'bad-request' });
    await expect(s.transmit(new Uint8Array(5000))).rejects.toMatchObject({ code: 'bad-request' });
    await r.reader.close();
  });
});

describe('the maximum exchange time (PROTOCOL.md §5, the whole-exchange limit)', () => {
  for (const [what, options, maxMs] of [
    ['a native reader that does not report its limit', { kind: 'native' }, 63_000],
    ['a stock reader (compat)', { kind: 'stock', slots: 1 }, 63_000],
    [
      'a native reader whose limit is 10 s',
      { kind: 'native', config: { timeExtensionInterval: 1000, exchangeLimit: 10 } },
      13_000,
    ],
  ] as const) {
    it(`time extensions never stretch an APDU past it: ${what}`, async () => {
      // The card works an hour; the reader sends a time extension every second and never ends
      // the exchange itself.
      const r = await rig(options as Parameters<typeof rig>[0]);
      r.fake.reader.insert(0, card(3_600_000));
      await attach(r);
      const session = await within(r.vt, r.reader.connect(0));
      const t0 = r.vt.now();
      const e = await within(r.vt, session.transmit(apdu(0xb0))).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'timeout', timedOut: true, slot: 0 });
      expect(r.vt.now() - t0).toBe(maxMs);
      const received = r.fake.reader.received;
      expect(received.findLast((x) => x.type === PcToRdr.Abort)?.slot).toBe(0);
      await r.reader.close();
    });
  }

  it('is the reader’s limit plus 3 s, EXCHANGE_LIMIT_DEFAULT_S when it does not say', async () => {
    const { maxExchangeTime } = await import('./slot.ts');
    expect(maxExchangeTime(undefined)).toBe(63_000);
    expect(maxExchangeTime(10_000)).toBe(13_000);
    expect(maxExchangeTime(600_000)).toBe(603_000);
  });
});

describe('exchangeTimeout', () => {
  it('caps libccid’s bound by the reader’s time-extension cadence when it is known', async () => {
    const { exchangeTimeout } = await import('./slot.ts');
    expect(exchangeTimeout(232_134, undefined)).toBe(232_134);
    expect(exchangeTimeout(232_134, 1000)).toBe(5000);
    expect(exchangeTimeout(4000, 1000)).toBe(4000);
  });
});

describe('Reader: raw escapes and reattaching (the firmware tools)', () => {
  const updateStatus = Uint8Array.of(0x4b, 0x52, VendorCommand.UpdateStatus);

  it('escapeRaw hands back the answer whatever its vendor status; a CCID failure is typed', async () => {
    const r = await rig();
    await attach(r);
    // This reader has no update agent: the answer says UnknownCommand, as data.
    const answer = await within(r.vt, r.reader.escapeRaw(updateStatus));
    expect([...answer]).toEqual([
      0x4b,
      0x52,
      VendorCommand.UpdateStatus,
      VendorStatus.UnknownCommand,
    ]);
    await r.reader.close();
    await expect(r.reader.escapeRaw(updateStatus)).rejects.toMatchObject({
      code: 'session-closed',
    });

    const stock = await rig({ kind: 'stock', slots: 1 });
    await attach(stock);
    expect(
      new TextDecoder().decode(await within(stock.vt, stock.reader.escapeRaw(Uint8Array.of(2)))),
    ).toBe('GemTwin V1.10');
    await expect(within(stock.vt, stock.reader.escapeRaw(updateStatus))).rejects.toMatchObject({
      code: 'not-supported',
    });
    await stock.reader.close();
  });

  it('escapeRaw can be cancelled, and times out on the reader clock', async () => {
    const r = await rig({ kind: 'silent', slots: 1 });
    await attach(r);
    const stop = new AbortController();
    const cancelled = r.reader.escapeRaw(updateStatus, { signal: stop.signal });
    await r.vt.advance(10);
    stop.abort();
    await expect(within(r.vt, cancelled)).rejects.toMatchObject({ code: 'cancelled' });
    const t0 = r.vt.now();
    await expect(
      within(r.vt, r.reader.escapeRaw(updateStatus, { timeoutMs: 700 })),
    ).rejects.toMatchObject({ code: 'timeout' });
    expect(r.vt.now() - t0).toBeGreaterThanOrEqual(700);
    await r.reader.close();
  });

  it('whenAttached waits for the next attachment, with a timeout, a signal, and close', async () => {
    const r = await rig();
    await attach(r);
    await expect(r.reader.whenAttached()).resolves.toBeUndefined();
    r.fake.plugged.value = false;
    r.fake.reader.unplug();
    await r.vt.advance(10);
    expect(r.reader.state).toBe('detached');
    await expect(r.reader.escapeRaw(updateStatus)).rejects.toMatchObject({
      code: 'reader-detached',
    });
    const t0 = r.vt.now();
    await expect(within(r.vt, r.reader.whenAttached({ timeoutMs: 1000 }))).rejects.toMatchObject({
      code: 'timeout',
      message: expect.stringMatching(/not attached within 1000 ms/),
    });
    expect(r.vt.now() - t0).toBe(1000);
    const stop = new AbortController();
    const cancelled = r.reader.whenAttached({ signal: stop.signal });
    stop.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
    const back = r.reader.whenAttached();
    r.fake.plugged.value = true;
    await within(r.vt, back);
    expect(r.reader.state).toBe('attached');
    r.fake.plugged.value = false;
    r.fake.reader.unplug();
    await r.vt.advance(10);
    const closing = r.reader.whenAttached();
    await r.reader.close();
    await expect(closing).rejects.toMatchObject({ code: 'session-closed' });
    await expect(r.reader.whenAttached()).rejects.toMatchObject({ code: 'session-closed' });
  });

  it('reconnect drops the link and negotiates again (a reader restarted in compat)', async () => {
    const r = await rig();
    r.fake.reader.insert(0, card());
    await attach(r);
    const opens = r.fake.opens.count;
    // The reader restarts as after the Reboot escape: back in compat, saying nothing.
    r.fake.reader.reset();
    await within(r.vt, r.reader.reconnect({ timeoutMs: 5000 }));
    expect(r.fake.opens.count).toBe(opens + 1);
    expect(r.fake.reader.profile).toBe(Profile.Native);
    expect(r.reader.capabilities?.profile).toBe('native');
    expect(r.events).toEqual([
      'attached',
      'inserted:0',
      'detached:reader-detached',
      'removed:0',
      'attached',
      'inserted:0',
    ]);
    await r.reader.close();
    await expect(r.reader.reconnect()).rejects.toMatchObject({ code: 'session-closed' });
  });
});
