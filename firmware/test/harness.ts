// The CCID test harness (firmware/src/harness/ccid-harness.ts): the real CCID device and host
// link against a scripted slot layer, driven through FakeHal. A `Host` sends commands in the
// serial framing and reads back everything the firmware sent.
import { FakeHal, type Variant } from './fake-hal.ts';
import {
  command,
  frame,
  readHostStream,
  type CommandFields,
  type Item,
  type Answer,
} from './wire.ts';

export interface HarnessControls {
  fake_buffer(): number;
  fake_set_icc(slot: number, status: number): void;
  fake_set_parameters(slot: number, protocol: number, len: number): void;
  fake_set_results(set: number, reset: number, clock: number, clockStatus: number): void;
  fake_set_rate(slot: number, khz: number, bps: number): void;
  fake_set_counter(slot: number, tag: number, value: number): void;
  fake_counter_resets(): number;
  fake_set_abort_completes(completes: number): void;
  fake_set_sync(error: number): void;
  fake_complete(slot: number, error: number, len: number): void;
  fake_waiting(slot: number, multiplier: number): void;
  fake_presence(slot: number, present: number): void;
  fake_op(slot: number): number;
  fake_last_slot(): number;
  fake_last_data(): number;
  fake_last_len(): number;
  fake_last_apdu_level(): number;
  fake_last_power_select(): number;
  fake_power_offs(): number;
  fake_aborts(): number;
}

/** FakeOp in the harness. */
export const Op = { None: 0, PowerOn: 1, Transmit: 2 } as const;

export class Host {
  constructor(readonly hal: FakeHal) {}

  /** Sends one command frame; returns what the firmware sent in answer so far. */
  send(c: CommandFields, chunk = Infinity): Item[] {
    this.hal.hostWrite(frame(command(c)), chunk);
    return this.take();
  }

  sendRaw(bytes: ArrayLike<number>, chunk = Infinity): Item[] {
    this.hal.hostWrite(bytes, chunk);
    return this.take();
  }

  /** Everything the firmware sent since the last take, parsed strictly. */
  take(): Item[] {
    return readHostStream(this.hal.takeHostOut());
  }
}

export async function loadFirmware(variant: Variant): Promise<{ hal: FakeHal; host: Host }> {
  const hal = new FakeHal();
  await hal.load(variant);
  return { hal, host: new Host(hal) };
}

export async function loadHarness(): Promise<{ hal: FakeHal; host: Host; fw: HarnessControls }> {
  const { hal, host } = await loadFirmware('harness');
  return { hal, host, fw: hal.exports as unknown as HarnessControls };
}

/** Writes bytes into the harness's response buffer (what fake_complete answers with). */
export function setResponse(hal: FakeHal, fw: HarnessControls, bytes: ArrayLike<number>): number {
  new Uint8Array(hal.exports.memory.buffer).set(Uint8Array.from(bytes), fw.fake_buffer());
  return bytes.length;
}

/** The bytes the scripted slot layer was last asked to transmit. */
export function lastTransmitted(hal: FakeHal, fw: HarnessControls): Uint8Array {
  const p = fw.fake_last_data();
  return new Uint8Array(hal.exports.memory.buffer).slice(p, p + fw.fake_last_len());
}

export function frames(items: Item[]): Answer[] {
  return items.flatMap((it) => (it.kind === 'frame' ? [it.answer] : []));
}

/** The short echo the compat profile sends before an answer (ccid-over-serial §10.5). */
export function shortEchoOf(c: CommandFields): Uint8Array {
  return command({ ...c, data: [] });
}
