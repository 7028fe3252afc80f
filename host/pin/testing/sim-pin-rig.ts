// Test support (never imported by production code): the driver's CCID client on the simulator —
// the real firmware.wasm, a virtual card and the keypad — in process, on virtual time. Keeps
// every byte the host received and every trace entry, so tests can search them for a PIN.
import { PcToRdr, RdrToPc, CommandStatus } from '../../../protocol/ccid-constants.ts';
import { Profile, VendorCommand } from '../../../protocol/native-constants.ts';
import { encodeVendorRequest } from '../../../protocol/native/vendor-escape.ts';
import { NATIVE_MAX_MESSAGE_LENGTH } from '../../../protocol/serial-constants.ts';
import { VirtualCard } from '../../../simulator/card/virtual-card.ts';
import type { CardOs } from '../../../simulator/cos/card-os.ts';
import type { CardPin } from '../../../simulator/cos/file-system.ts';
import { resolveCardSpec } from '../../../simulator/profiles/index.ts';
import { Simulation } from '../../../simulator/simulation.ts';
import { CcidClient, type CcidAnswer } from '../../ccid/ccid-client.ts';
import { FrameChannel, type TraceEntry } from '../../ccid/frame-channel.ts';
import { streamTransport } from '../../transport/stream-transport.ts';
import type { Transport } from '../../transport/transport.ts';
import { ccidSecureChannel } from '../ccid-secure-channel.ts';
import type { SecureChannel } from '../secure-channel.ts';

export interface PinRig {
  readonly sim: Simulation;
  readonly client: CcidClient;
  /** The framed link under the client: sends a message outside the client's per-slot order. */
  readonly raw: FrameChannel;
  /** Slot 0, the user card. */
  readonly slot: SecureChannel;
  /** The card's PIN record (the simulated card's state). */
  readonly cardPin: CardPin;
  /** Every chunk of bytes the host received from the reader. */
  readonly received: Uint8Array[];
  /** The CCID client's trace: every message out and in. */
  readonly trace: TraceEntry[];
  /** CLA INS of every command the card received after power-on (never its data). */
  readonly cardCommands: string[];
  /** The ATR of the powered card. */
  readonly atr: Uint8Array;
  /** The display rows now. */
  display(): string[];
  /** Every display state so far, in order. */
  displayHistory(): string[][];
  /** Stops the simulation. */
  close(): Promise<void>;
}

export interface PinRigOptions {
  /** Card spec (simulator/cards.ts), default 'ssc3:li-na' (PIN 123456, 3 tries). */
  card?: string;
  seed?: number;
}

export async function pinRig(options: PinRigOptions = {}): Promise<PinRig> {
  const sim = await Simulation.create({ seed: options.seed ?? 1, trace: false });
  const resolved = resolveCardSpec(options.card ?? 'ssc3:li-na');
  const os = resolved.os as CardOs;
  const cardPin = os.mf.pins[0];
  const cardCommands: string[] = [];
  let logging = false;
  const hex = (b: number) => b.toString(16).toUpperCase().padStart(2, '0');
  const processor = {
    reset: () => os.reset(),
    t0CommandHasData: (cla: number, ins: number, p1: number, p2: number) =>
      os.t0CommandHasData(cla, ins, p1, p2),
    process(command: Uint8Array) {
      if (logging) cardCommands.push(`${hex(command[0])} ${hex(command[1])}`);
      return os.process(command);
    },
  };
  sim.insertCard(0, new VirtualCard(resolved.transport, processor));
  const received: Uint8Array[] = [];
  const trace: TraceEntry[] = [];
  const inner = streamTransport('sim:pin', () => sim.hostStream());
  const transport: Transport = {
    kind: inner.kind,
    path: inner.path,
    open: (listener) =>
      inner.open({
        data(bytes) {
          received.push(Uint8Array.from(bytes));
          listener.data(bytes);
        },
        closed: (e) => listener.closed(e),
      }),
  };
  let channel: FrameChannel | undefined;
  const client = new CcidClient({
    sink: { send: (m) => channel!.send(m) },
    clock: sim.clientClock,
    path: transport.path,
    mode: 'native',
    maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH,
    events: { slotChange() {}, unresponsive() {} },
  });
  channel = await FrameChannel.open(
    transport,
    {
      message: (m) => client.message(m),
      nak: () => client.nak(),
      timeRequest: () => client.timeRequest(),
      activity: () => client.activity(),
      closed: () => client.close(),
    },
    (e) => trace.push(e),
  );
  const running = sim.run();
  const ok = (m: CcidAnswer, what: string): CcidAnswer => {
    if (m.commandStatus !== CommandStatus.Ok) throw new Error(`${what} failed: bError ${m.error}`);
    return m;
  };
  ok(
    await client.command({
      type: PcToRdr.Escape,
      slot: 0,
      data: encodeVendorRequest({ command: VendorCommand.SetProfile, profile: Profile.Native }),
    }),
    'SetProfile',
  );
  const powered = ok(
    await client.command(
      { type: PcToRdr.IccPowerOn, slot: 0, powerSelect: 0 },
      { timeoutMs: 5000 },
    ),
    'IccPowerOn',
  );
  const atr = powered.type === RdrToPc.DataBlock ? powered.data : new Uint8Array();
  logging = true;
  return {
    sim,
    client,
    raw: channel,
    slot: ccidSecureChannel(client, 0),
    cardPin,
    received,
    trace,
    cardCommands,
    atr,
    display: () => sim.reader.display.rows(),
    displayHistory: () => sim.reader.display.history.map((h) => h.rows),
    async close() {
      client.close();
      await channel!.close().catch(() => {});
      await sim.stop();
      await running;
    },
  };
}
