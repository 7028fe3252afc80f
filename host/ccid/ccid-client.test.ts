import { describe, expect, it } from 'vitest';
import { CcidError, CommandStatus, PcToRdr, RdrToPc } from '../../protocol/ccid-constants.ts';
import type { RdrToPcMessage } from '../../protocol/ccid-messages.ts';
import { NATIVE_MAX_MESSAGE_LENGTH } from '../../protocol/serial-constants.ts';
import { Profile } from '../../protocol/native-constants.ts';
import { CcidClient, type ClientMode } from './ccid-client.ts';
import { FrameChannel, type TraceEntry } from './frame-channel.ts';
import { fakeTransport } from './testing/fake-link.ts';
import { virtualTime } from './testing/virtual-time.ts';
import type { FakeCard } from './testing/fake-reader.ts';

const ATR_T0 = Uint8Array.of(0x3b, 0x02, 0x14, 0x50);
const okCard = (delayMs = 0): FakeCard => ({
  atr: ATR_T0,
  delayMs,
  respond: (c) => Uint8Array.of(c[1], 0x90, 0x00),
});

async function rig(mode: ClientMode = 'native', teMs = 1000) {
  const vt = virtualTime();
  const fake = fakeTransport({ clock: vt.clock, timeExtensionMs: teMs });
  if (mode === 'native') fake.reader.profile = Profile.Native;
  const trace: TraceEntry[] = [];
  const events = { unresponsive: 0, slotChanges: [] as RdrToPcMessage[] };
  let client!: CcidClient;
  const channel = await FrameChannel.open(
    fake.transport,
    {
      message: (m) => client.message(m),
      nak: () => client.nak(),
      timeRequest: () => client.timeRequest(),
      activity: () => client.activity(),
      closed: () => client.close(),
    },
    (e) => trace.push(e),
  );
  client = new CcidClient({
    sink: channel,
    clock: vt.clock,
    path: 'fake:reader',
    mode,
    maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH,
    events: {
      slotChange: (m) => events.slotChanges.push(m),
      unresponsive: () => events.unresponsive++,
    },
  });
  for (let s = 0; s < 3; s++) fake.reader.insert(s, okCard());
  return { vt, fake, reader: fake.reader, client, channel, trace, events };
}

const xfr = (slot: number, ins: number) => ({
  type: PcToRdr.XfrBlock as const,
  slot,
  bwi: 0,
  levelParameter: 0,
  data: Uint8Array.of(0x00, ins, 0x00, 0x00),
});

async function powerOn(r: Awaited<ReturnType<typeof rig>>, slot: number) {
  const m = await r.vt.settle(r.client.command({ type: PcToRdr.IccPowerOn, slot, powerSelect: 0 }));
  expect(m.type).toBe(RdrToPc.DataBlock);
}

describe('CcidClient', () => {
  it('numbers commands with bSeq and matches answers to them', async () => {
    const r = await rig();
    const a = await r.vt.settle(r.client.command({ type: PcToRdr.GetSlotStatus, slot: 0 }));
    const b = await r.vt.settle(r.client.command({ type: PcToRdr.GetSlotStatus, slot: 1 }));
    expect(a).toMatchObject({ type: RdrToPc.SlotStatus, slot: 0, seq: 0 });
    expect(b).toMatchObject({ type: RdrToPc.SlotStatus, slot: 1, seq: 1 });
    expect(r.reader.received.map((x) => x.seq)).toEqual([0, 1]);
  });

  it('overlaps commands to different slots and keeps one slot in order', async () => {
    const r = await rig();
    await powerOn(r, 0);
    await powerOn(r, 1);
    r.reader.insert(0, okCard(2500));
    await powerOn(r, 0);
    const done: string[] = [];
    const slow1 = r.client.command(xfr(0, 0x01), { timeoutMs: 3000 }).then(() => done.push('0a'));
    const slow2 = r.client.command(xfr(0, 0x02), { timeoutMs: 3000 }).then(() => done.push('0b'));
    const fast = r.client.command(xfr(1, 0x03)).then(() => done.push('1'));
    await r.vt.settle(Promise.all([slow1, slow2, fast]));
    expect(done).toEqual(['1', '0a', '0b']);
    // The second command to slot 0 went out only after the first was answered: never busy.
    const xfrs = r.reader.received.filter((x) => x.type === PcToRdr.XfrBlock);
    expect(xfrs.map((x) => [x.slot, x.data![1]])).toEqual([
      [0, 1],
      [1, 3],
      [0, 2],
    ]);
  });

  it('stretches the timeout with each time extension', async () => {
    const r = await rig('native', 1000);
    r.reader.insert(0, okCard(10_000));
    await powerOn(r, 0);
    const t0 = r.vt.now();
    const m = await r.vt.settle(r.client.command(xfr(0, 0xb0), { timeoutMs: 3000 }));
    expect(m).toMatchObject({
      commandStatus: CommandStatus.Ok,
      data: Uint8Array.of(0xb0, 0x90, 0),
    });
    expect(r.vt.now() - t0).toBeCloseTo(10_000, 0);
  });

  it('time extensions never stretch a command past its maxTimeMs: typed timeout, Abort', async () => {
    // A card that works an hour, the reader sending a time extension every second.
    const r = await rig('native', 1000);
    r.reader.insert(0, okCard(3_600_000));
    await powerOn(r, 0);
    const t0 = r.vt.now();
    const e = await r.vt
      .settle(r.client.command(xfr(0, 0xb0), { timeoutMs: 3000, maxTimeMs: 63_000 }))
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'timeout', timedOut: true, slot: 0 });
    expect(String((e as Error).message)).toMatch(/maximum of 63000 ms/);
    expect(r.vt.now() - t0).toBe(63_000);
    const abort = r.reader.received.findLast((x) => x.type === PcToRdr.Abort);
    expect(abort?.slot).toBe(0);
    // The slot is free again once the reader answered the Abort.
    r.reader.insert(0, okCard());
    await powerOn(r, 0);
    const m = await r.vt.settle(r.client.command(xfr(0, 0xb2), { maxTimeMs: 63_000 }));
    expect(m).toMatchObject({ commandStatus: CommandStatus.Ok });
  });

  it('without maxTimeMs the time extensions keep a command alive (libccid)', async () => {
    const r = await rig('native', 1000);
    r.reader.insert(0, okCard(120_000));
    await powerOn(r, 0);
    const t0 = r.vt.now();
    const m = await r.vt.settle(r.client.command(xfr(0, 0xb0), { timeoutMs: 3000 }));
    expect(m).toMatchObject({ commandStatus: CommandStatus.Ok });
    expect(r.vt.now() - t0).toBeCloseTo(120_000, 0);
  });

  it('a maxTimeMs shorter than the timeout bounds the first wait too', async () => {
    const r = await rig('native', 1_000_000);
    r.reader.insert(0, okCard(10_000));
    await powerOn(r, 0);
    const t0 = r.vt.now();
    await expect(
      r.vt.settle(r.client.command(xfr(0, 0xb0), { timeoutMs: 9000, maxTimeMs: 4000 })),
    ).rejects.toMatchObject({ code: 'timeout' });
    expect(r.vt.now() - t0).toBe(4000);
  });

  it('times out a silent card, aborts the slot, and the next command works', async () => {
    const r = await rig('native', 1_000_000); // no time extension
    r.reader.insert(0, okCard(10_000));
    await powerOn(r, 0);
    const t0 = r.vt.now();
    await expect(
      r.vt.settle(r.client.command(xfr(0, 0xb0), { timeoutMs: 3000 })),
    ).rejects.toMatchObject({ code: 'timeout', timedOut: true, slot: 0 });
    expect(r.vt.now() - t0).toBe(3000);
    r.reader.insert(0, okCard());
    await powerOn(r, 0);
    expect(r.reader.received.map((x) => x.type)).toContain(PcToRdr.Abort);
    // The reader answered the aborted command (CMD_ABORTED) and the Abort; neither leaked.
    expect(r.events.unresponsive).toBe(0);
  });

  it('reports an unresponsive reader when nothing at all comes back', async () => {
    const r = await rig();
    r.reader.mute = true;
    await expect(
      r.vt.settle(r.client.command({ type: PcToRdr.GetSlotStatus, slot: 0 })),
    ).rejects.toMatchObject({ code: 'timeout' });
    expect(r.events.unresponsive).toBe(1);
  });

  it('resends once with a new bSeq after a NAK', async () => {
    const r = await rig();
    r.reader.nakNext = 1;
    const m = await r.vt.settle(r.client.command({ type: PcToRdr.GetSlotStatus, slot: 2 }));
    expect(m).toMatchObject({ type: RdrToPc.SlotStatus, slot: 2, seq: 1 });
    expect(r.trace.filter((e) => e.kind === 'nak')).toHaveLength(1);
  });

  it('gives up after the one resend when the reader NAKs again', async () => {
    const r = await rig();
    r.reader.nakNext = 2;
    await expect(
      r.vt.settle(r.client.command({ type: PcToRdr.GetSlotStatus, slot: 0 })),
    ).rejects.toMatchObject({ code: 'timeout' });
  });

  it('fails pending and later calls with reader-detached when the link is lost', async () => {
    const r = await rig('native', 1_000_000);
    r.reader.insert(0, okCard(60_000));
    await powerOn(r, 0);
    const pending = r.client.command(xfr(0, 0xb0), { timeoutMs: 100_000 });
    const queued = r.client.command(xfr(0, 0xb2), { timeoutMs: 100_000 });
    const queuedError = queued.catch((e: unknown) => e);
    await r.vt.advance(10);
    r.reader.unplug();
    await expect(r.vt.settle(pending)).rejects.toMatchObject({
      code: 'reader-detached',
      readerDetached: true,
    });
    expect(await queuedError).toMatchObject({ code: 'reader-detached' });
    await expect(r.client.command({ type: PcToRdr.GetSlotStatus, slot: 0 })).rejects.toMatchObject({
      code: 'reader-detached',
    });
  });

  it('cancels on an AbortSignal: the caller at once, the reader by PC_to_RDR_Abort', async () => {
    const r = await rig('native', 1_000_000);
    r.reader.insert(0, okCard(60_000));
    await powerOn(r, 0);
    const ac = new AbortController();
    const p = r.client.command(xfr(0, 0xb0), { timeoutMs: 100_000, signal: ac.signal });
    await r.vt.advance(5);
    ac.abort();
    await expect(r.vt.settle(p)).rejects.toMatchObject({ code: 'cancelled' });
    const after = await r.vt.settle(r.client.command({ type: PcToRdr.GetSlotStatus, slot: 0 }));
    expect(after.commandStatus).toBe(CommandStatus.Ok);
    const types = r.reader.received.map((x) => x.type);
    expect(types.indexOf(PcToRdr.Abort)).toBeLessThan(types.lastIndexOf(PcToRdr.GetSlotStatus));
  });

  it('drops the compat echo and runs one command at a time over all slots', async () => {
    const r = await rig('compat');
    const both = Promise.all([
      r.client.command({ type: PcToRdr.GetSlotStatus, slot: 0 }),
      r.client.command({ type: PcToRdr.GetSlotStatus, slot: 1 }),
    ]);
    const [a, b] = await r.vt.settle(both);
    expect([a.slot, b.slot]).toEqual([0, 1]);
    expect(r.trace.filter((e) => e.kind === 'echo')).toHaveLength(2);
  });

  it('reports a failed answer as the answer (the caller interprets bError)', async () => {
    const r = await rig();
    r.reader.pull(0);
    const m = await r.vt.settle(
      r.client.command({ type: PcToRdr.IccPowerOn, slot: 0, powerSelect: 0 }),
    );
    expect(m).toMatchObject({ commandStatus: CommandStatus.Failed, error: CcidError.IccMute });
  });

  it('refuses a message larger than the profile allows, before sending it', async () => {
    const r = await rig();
    const big = { ...xfr(0, 0xd6), data: new Uint8Array(NATIVE_MAX_MESSAGE_LENGTH) };
    await expect(r.client.command(big)).rejects.toMatchObject({ code: 'bad-request' });
    expect(r.reader.received).toHaveLength(0);
  });

  it('passes pushed slot changes on', async () => {
    const r = await rig();
    await r.vt.advance(1);
    r.events.slotChanges.length = 0;
    r.reader.pull(0);
    await r.vt.advance(1);
    expect(r.events.slotChanges).toHaveLength(1);
    expect(r.events.slotChanges[0]).toMatchObject({
      type: RdrToPc.NotifySlotChange,
      slots: [
        { present: false, changed: true },
        { present: true, changed: false },
        { present: true, changed: false },
        { present: false, changed: false },
      ],
    });
  });
});
