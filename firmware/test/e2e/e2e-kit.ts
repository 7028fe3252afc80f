// End-to-end kit: the real firmware.wasm in the simulator (fast mode, virtual time) with real
// virtual cards, driven through the in-process host link with protocol's codecs — in the native
// profile (APDU level, as our driver) or in compat (TPDU level, as libccid: the host runs the
// T=0 GET RESPONSE / 6Cxx rounds and the T=1 block protocol itself).
import type { Duplex } from 'node:stream';
import { createCard } from '../../../simulator/cards.ts';
import { VirtualCard } from '../../../simulator/card/virtual-card.ts';
import type { CardContacts, CardTransportProfile } from '../../../simulator/card/contract.ts';
import { resolveCardSpec } from '../../../simulator/profiles/index.ts';
import { FirmwareImage } from '../../../simulator/reader/firmware-image.ts';
import { Simulation } from '../../../simulator/simulation.ts';
import type { FaultPlan } from '../../../simulator/faults.ts';
import type { FlashGeometry } from '../../../simulator/reader/flash.ts';
import {
  ChainLevel,
  CommandStatus,
  NATIVE_MAX_MESSAGE_LENGTH,
  PcToRdr,
  Profile,
  RdrToPc,
  SerialDecoder,
  VendorCommand,
  decodeMessage,
  encodeFrame,
  fromHex,
  type Secure,
  encodeMessage,
  encodeVendorRequest,
  isMessageType,
  type DataBlock,
  type PcToRdrMessage,
  type ProtocolParameters,
  type RdrToPcMessage,
} from '../../../protocol/index.ts';

export type WireProfile = 'native' | 'compat';
export type Answer = RdrToPcMessage & { at: number };

let image: Promise<FirmwareImage> | undefined;

/** The release firmware, loaded once per test process. */
export function firmware(): Promise<FirmwareImage> {
  image ??= FirmwareImage.load();
  return image;
}

/** A card from a spec, with its transport profile changed (a slow card, one that refuses PPS). */
export function cardWith(
  spec: string,
  change: (t: CardTransportProfile) => CardTransportProfile,
  sim?: Simulation,
): CardContacts {
  const rng = sim?.prng.fork(`card:${spec}`);
  const resolved = resolveCardSpec(spec, rng ? { random: () => rng.next() } : {});
  return new VirtualCard(change(resolved.transport), resolved.os);
}

export const hex = (bytes: ArrayLike<number>): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
export const unhex = (text: string): number[] =>
  text
    .split(/\s+/)
    .filter(Boolean)
    .map((b) => parseInt(b, 16));

/** A host on the reader's link: one command at a time, answers awaited on the virtual clock. */
export class Host {
  /** Every answer and pushed event, in order (time extensions included). */
  readonly received: Answer[] = [];
  readonly slotChanges: number[] = [];
  private readonly decoder = new SerialDecoder({ maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH });
  /** Commands awaiting their answer, by bSeq (several may be pending, on different slots). */
  private readonly waiters = new Map<number, (a: Answer) => void>();
  private seq = 0;
  private readonly stream: Duplex;

  constructor(private readonly sim: Simulation) {
    this.stream = sim.hostStream();
    this.stream.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    for (const e of this.decoder.push(new Uint8Array(chunk))) {
      if (e.kind === 'slot-change') this.slotChanges.push(e.state);
      if (e.kind !== 'frame' || isMessageType(e.message[0], 'pc-to-rdr')) continue; // echoes
      const answer = { ...decodeMessage(e.message, 'rdr-to-pc'), at: this.sim.clientClock.now() };
      this.received.push(answer);
      if ('seq' in answer) this.waiters.get(answer.seq)?.(answer);
    }
  }

  /**
   * Sends one command (bSeq filled in) and resolves with its final answer. Another command may
   * be sent before it is answered (a vendor escape while a Secure waits for keys).
   */
  send(m: DistributiveOmit<PcToRdrMessage, 'seq'>, timeoutMs = 60_000): Promise<Answer> {
    const seq = this.seq++ & 0xff;
    const clock = this.sim.clientClock;
    return new Promise<Answer>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        this.waiters.delete(seq);
        reject(new Error(`no answer to ${PcToRdr[m.type]} within ${timeoutMs} ms (virtual)`));
      }, timeoutMs);
      this.waiters.set(seq, (a) => {
        if ('commandStatus' in a && a.commandStatus === CommandStatus.TimeExtension) return;
        clock.clearTimeout(timer);
        this.waiters.delete(seq);
        resolve(a);
      });
      this.stream.write(encodeFrame(encodeMessage({ ...m, seq } as PcToRdrMessage)));
    });
  }

  /** Time-extension answers received so far. */
  timeExtensions(): Answer[] {
    return this.received.filter(
      (a) => 'commandStatus' in a && a.commandStatus === CommandStatus.TimeExtension,
    );
  }

  async native(): Promise<void> {
    const a = await this.send({
      type: PcToRdr.Escape,
      slot: 0,
      data: encodeVendorRequest({ command: VendorCommand.SetProfile, profile: Profile.Native }),
    });
    if (a.type !== RdrToPc.Escape || a.commandStatus !== CommandStatus.Ok)
      throw new Error(`SetProfile native refused: ${JSON.stringify(a)}`);
  }

  powerOn(slot: number, powerSelect = 0): Promise<Answer> {
    return this.send({ type: PcToRdr.IccPowerOn, slot, powerSelect });
  }

  powerOff(slot: number): Promise<Answer> {
    return this.send({ type: PcToRdr.IccPowerOff, slot });
  }

  status(slot: number): Promise<Answer> {
    return this.send({ type: PcToRdr.GetSlotStatus, slot });
  }

  getParameters(slot: number): Promise<Answer> {
    return this.send({ type: PcToRdr.GetParameters, slot });
  }

  setParameters(slot: number, parameters: ProtocolParameters): Promise<Answer> {
    return this.send({ type: PcToRdr.SetParameters, slot, parameters });
  }

  /** One XfrBlock (a whole APDU in native, a TPDU or T=1 block in compat). */
  xfr(slot: number, data: ArrayLike<number>, levelParameter = 0): Promise<Answer> {
    return this.send({
      type: PcToRdr.XfrBlock,
      slot,
      bwi: 0,
      levelParameter,
      data: Uint8Array.from(data),
    });
  }

  /**
   * Native: an APDU of any length, chained in parts of `part` bytes when longer, and a response
   * chain read to its end. Resolves with the whole R-APDU, or the failed answer.
   */
  async apdu(slot: number, apdu: ArrayLike<number>, part = 1024): Promise<Answer> {
    const bytes = Array.from(apdu);
    let a: Answer;
    if (bytes.length <= part) a = await this.xfr(slot, bytes);
    else {
      for (let i = 0; ; i += part) {
        const last = i + part >= bytes.length;
        const level = i === 0 ? ChainLevel.Begins : last ? ChainLevel.Ends : ChainLevel.Continues;
        a = await this.xfr(slot, bytes.slice(i, i + part), level);
        if (last || a.type !== RdrToPc.DataBlock || a.commandStatus !== CommandStatus.Ok) break;
      }
    }
    if (a.type !== RdrToPc.DataBlock || a.commandStatus !== CommandStatus.Ok) return a;
    const data = [...a.data];
    let block: DataBlock = a;
    while (
      block.chainParameter === ChainLevel.Begins ||
      block.chainParameter === ChainLevel.Continues
    ) {
      const next = await this.xfr(slot, [], ChainLevel.ContinueResponse);
      if (next.type !== RdrToPc.DataBlock || next.commandStatus !== CommandStatus.Ok) return next;
      data.push(...next.data);
      block = next;
    }
    return { ...a, data: Uint8Array.from(data) };
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** PROTOCOL.md §4a: the social security card's VERIFY (PIN inserted by the reader, Lc set). */
const SSC_VERIFY = decodeMessage(
  fromHex('69140000000046000000' + '00' + '0081000010040201040800000000' + '0020000000'),
  'pc-to-rdr',
) as Secure;

/** That VERIFY as a Secure to `slot`, with bTimeOut (0: the reader's) and wLangId. */
export function sscVerify(slot = 0, timeOut = 0, langId = 0x0804): Omit<Secure, 'seq'> {
  if (SSC_VERIFY.payload.kind !== 'verify') throw new Error('not a verification');
  const structure = { ...SSC_VERIFY.payload.structure, timeOut, langId };
  return { ...SSC_VERIFY, slot, payload: { kind: 'verify', structure } };
}

export interface Bench {
  sim: Simulation;
  host: Host;
  /** Stops the simulation (always call it; tests do in `finally`). */
  stop(): Promise<void>;
}

/** A running simulated reader with cards in slots 0..2 (specs or ready cards). */
export async function bench(
  cards: (string | CardContacts | undefined)[],
  options: {
    seed?: number;
    faults?: FaultPlan;
    profile?: WireProfile;
    /** The flash part (default: the simulator's whole 512 KiB part, no boot stage). */
    flash?: Partial<FlashGeometry>;
  } = {},
): Promise<Bench> {
  const sim = await Simulation.create({
    seed: options.seed ?? 1,
    firmware: await firmware(),
    faults: options.faults,
    flash: options.flash,
  });
  cards.forEach((c, slot) => {
    if (c === undefined) return;
    sim.insertCard(slot, typeof c === 'string' ? createCard(c, { prng: sim.prng }) : c);
  });
  const host = new Host(sim);
  const running = sim.run();
  const stop = async () => {
    await sim.stop();
    await running;
  };
  try {
    if (options.profile === 'native') await host.native();
  } catch (e) {
    await stop();
    throw e;
  }
  return { sim, host, stop };
}
