// One open connection to a reader: the link, the CCID client, and the profile negotiated at open
// (issue 5 §1). The reader starts in compat after power-on. HELLO (vendor escape) tells whether
// it speaks our native profile; if so SET_PROFILE switches it (echo off, APDU level, pushed card
// events). A reader that fails HELLO — a stock GemPC-style reader — stays in compat, with a
// warning that lists what compat cannot do.
//
// A HELLO answer lost on a noisy link must not leave the two ends in different profiles (the
// driver at TPDU level and without PIN pad, the reader at APDU level): a HELLO met with silence
// is asked again (HELLO_ATTEMPTS in all), each time after a GetSlotStatus that shows whether
// anyone is there and in which profile — a compat reader echoes every command, a native one does
// not. A reader still silent to HELLO but answering in the native profile is ours: the open fails
// (the Reader tries again with backoff) rather than settle for compat against a native reader.
import { CommandStatus, PcToRdr, RdrToPc } from '../../protocol/ccid-constants.ts';
import type { NotifySlotChange, RdrToPcMessage } from '../../protocol/ccid-messages.ts';
import {
  ConfigTag,
  NATIVE_PROTOCOL_VERSION,
  Profile,
  VendorCommand,
} from '../../protocol/native-constants.ts';
import { COMPAT_MAX_MESSAGE_LENGTH } from '../../protocol/serial-constants.ts';
import type { Clock } from '../clock.ts';
import { CcidClient, type ClientMode } from '../ccid/ccid-client.ts';
import { CONTROL_TIMEOUT_MS, PROBE_TIMEOUT_MS } from '../ccid/card-timeouts.ts';
import {
  NotSupportedError,
  ProtocolError,
  ReaderDetachedError,
  ReaderError,
  ReaderTimeoutError,
} from '../ccid/errors.ts';
import { FrameChannel, type Tracer } from '../ccid/frame-channel.ts';
import type { Transport } from '../transport/transport.ts';
import type { TransportError } from '../transport/transport-error.ts';
import { compatCapabilities, nativeCapabilities, type ReaderCapabilities } from './capabilities.ts';
import { vendorEscape } from './vendor.ts';

/** Slots probed on a compat reader (a GemCore POS Pro has 5, bMaxSlotIndex 4). */
const MAX_COMPAT_SLOTS = 8;
/** How long a compat reader may take to say a slot does not exist. */
const SLOT_PROBE_TIMEOUT_MS = 500;
/** GetSlotStatus per slot while probing: an answer lost to line noise is asked for again. */
const SLOT_PROBE_ATTEMPTS = 3;
/** HELLOs met with silence before the driver settles for compat. */
export const HELLO_ATTEMPTS = 3;
/** bError of a failed answer to a command for a slot the reader does not have (bSlot's offset). */
const NO_SUCH_SLOT = 5;

/** 'auto': native when the reader speaks it, else compat. 'compat': compat in any case. */
export type ProfileChoice = 'auto' | 'compat';

export interface ConnectionEvents {
  slotChange(m: NotifySlotChange): void;
  /** The link is gone (or the reader stopped answering); the connection is closed. */
  lost(error: ReaderError): void;
  /** Something the operator should know: the compat fallback and its limits. */
  warning(text: string): void;
}

export class ReaderConnection {
  readonly path: string;
  #client: CcidClient;
  #capabilities: ReaderCapabilities | undefined;
  readonly #channel: FrameChannel;
  readonly #events: ConnectionEvents;
  #closed = false;
  /** Echoes seen on the link (compat frames of ours coming back). */
  #echoes = 0;

  private constructor(
    path: string,
    channel: FrameChannel,
    client: CcidClient,
    events: ConnectionEvents,
  ) {
    this.path = path;
    this.#channel = channel;
    this.#client = client;
    this.#events = events;
  }

  get client(): CcidClient {
    return this.#client;
  }

  get capabilities(): ReaderCapabilities {
    if (!this.#capabilities) throw new Error('capabilities are known once open() resolves');
    return this.#capabilities;
  }

  /** Opens `transport` and negotiates. Rejects with TransportError or a ReaderError. */
  static async open(
    transport: Transport,
    options: {
      clock: Clock;
      events: ConnectionEvents;
      trace?: Tracer;
      profile?: ProfileChoice;
      /**
       * The reader answered HELLO on an earlier connection: if it misses this one while its
       * status answers, it was still starting (a restart, a boot stage swapping slots), so HELLO
       * is asked once more before falling back to compat.
       */
      spokeNative?: boolean;
    },
  ): Promise<ReaderConnection> {
    const { clock, events } = options;
    // Frames go to whichever client is current (compat at first, native after SET_PROFILE).
    const route: {
      client?: CcidClient;
      lose(e: ReaderError): void;
      echo(): void;
      unresponsive(): void;
    } = {
      lose: (e) => route.client?.close(e),
      echo: () => {},
      unresponsive: () => {},
    };
    const makeClient = (mode: ClientMode, maxMessageLength: number): CcidClient =>
      new CcidClient({
        sink: { send: (m) => channel.send(m) },
        clock,
        path: transport.path,
        mode,
        maxMessageLength,
        events: {
          slotChange: (m) => events.slotChange(m),
          unresponsive: () => route.unresponsive(),
        },
      });
    const channel = await FrameChannel.open(
      transport,
      {
        message: (m) => route.client?.message(m),
        nak: () => route.client?.nak(),
        timeRequest: () => route.client?.timeRequest(),
        activity: () => route.client?.activity(),
        echo: () => route.echo(),
        closed: (error) => route.lose(detached(transport.path, error)),
      },
      options.trace,
    );
    route.client = makeClient('compat', COMPAT_MAX_MESSAGE_LENGTH);
    const connection = new ReaderConnection(transport.path, channel, route.client, events);
    route.lose = (e) => connection.#lose(e);
    // The native profile has no echo: one means the reader restarted (power cut, watchdog) and
    // is back in compat with its cards off. Reopen and negotiate again.
    route.echo = () => {
      connection.#echoes++;
      if (connection.#capabilities?.profile === 'native') {
        connection.#lose(
          new ReaderDetachedError(`${transport.path}: the reader restarted`, {
            reader: transport.path,
          }),
        );
      }
    };
    // While negotiating, silence is the answer being probed for (a reader that ignores HELLO);
    // once open, a control command unanswered in silence means the reader is gone.
    route.unresponsive = () => {
      if (connection.#capabilities) {
        connection.#lose(
          new ReaderDetachedError(`${transport.path}: the reader stopped answering`, {
            reader: transport.path,
          }),
        );
      }
    };
    const switchTo = (mode: ClientMode, max: number): CcidClient => {
      route.client = makeClient(mode, max);
      return route.client;
    };
    try {
      await connection.#negotiate(switchTo, options.profile ?? 'auto', options.spokeNative);
    } catch (e) {
      await connection.close();
      throw e;
    }
    return connection;
  }

  async #negotiate(
    makeClient: (mode: ClientMode, max: number) => CcidClient,
    choice: ProfileChoice,
    spokeNative = false,
  ): Promise<void> {
    const hello = await this.#hello(spokeNative ? HELLO_ATTEMPTS + 1 : HELLO_ATTEMPTS);
    if (hello && choice === 'compat') {
      // Asked to stay in compat (tests, or to behave as for pcscd): leave native if in it.
      if (hello.hello.profile !== Profile.Compat) {
        await vendorEscape(this.#client, {
          command: VendorCommand.SetProfile,
          profile: Profile.Compat,
        });
      }
    } else if (hello) {
      const reply = await vendorEscape(this.#client, {
        command: VendorCommand.SetProfile,
        profile: Profile.Native,
      });
      if (reply.profile !== Profile.Native) {
        throw new ProtocolError(`${this.path}: SET_PROFILE answered profile ${reply.profile}`, {
          reader: this.path,
        });
      }
      // Echo off from here on; one command per slot; the native message size.
      this.#client = makeClient('native', hello.hello.maxMessageLength);
      const timing = await this.#timing();
      this.#capabilities = nativeCapabilities(
        { ...hello.hello, profile: Profile.Native },
        timing.timeExtensionInterval,
        timing.exchangeLimit === undefined ? undefined : timing.exchangeLimit * 1000,
      );
      return;
    }
    const slots = hello ? hello.hello.slots.length : await this.#probeCompatSlots();
    this.#capabilities = compatCapabilities(slots, COMPAT_MAX_MESSAGE_LENGTH);
    this.#events.warning(
      `${this.path}: ${hello ? 'the compat profile was requested' : 'the reader does not speak the native profile (no answer to HELLO)'}; ` +
        `using the compat profile. Compat cannot do: ${this.#capabilities.limitations.join('; ')}.`,
    );
  }

  /**
   * The reader's time-extension cadence (ms) and whole-exchange limit (s), by ConfigRead; each
   * undefined when it cannot be read (a reader older than the tag leaves it out).
   */
  async #timing(): Promise<{ timeExtensionInterval?: number; exchangeLimit?: number }> {
    try {
      const r = await vendorEscape(this.#client, {
        command: VendorCommand.ConfigRead,
        tags: [ConfigTag.TimeExtensionInterval, ConfigTag.ExchangeLimit],
      });
      return r.config;
    } catch (e) {
      if (e instanceof ReaderError && e.code !== 'reader-detached') return {};
      throw e;
    }
  }

  /**
   * HELLO, up to `attempts` times while it meets silence; undefined when the reader does not know
   * it (a stock reader refuses it, or ignores it while answering in compat).
   */
  async #hello(attempts: number) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await vendorEscape(
          this.#client,
          { command: VendorCommand.Hello, hostVersion: NATIVE_PROTOCOL_VERSION },
          { timeoutMs: PROBE_TIMEOUT_MS },
        );
      } catch (e) {
        if (e instanceof NotSupportedError || e instanceof ProtocolError) return undefined;
        if (!(e instanceof ReaderTimeoutError)) throw e;
      }
      // Silent on an escape: is anyone there at all, and in which profile? GetSlotStatus is
      // CCID's ping (a timeout here fails the open); a compat reader echoes it first.
      const echoes = this.#echoes;
      await this.#client.command(
        { type: PcToRdr.GetSlotStatus, slot: 0 },
        { timeoutMs: CONTROL_TIMEOUT_MS },
      );
      const native = this.#echoes === echoes;
      if (attempt < attempts) continue;
      if (native) {
        // Only our reader speaks the native profile, and it knows HELLO: its answers were lost.
        throw new ReaderTimeoutError(
          `${this.path}: the reader answers in the native profile but ${attempts} HELLO answers were lost`,
          { reader: this.path },
        );
      }
      return undefined;
    }
  }

  /**
   * Slots of a compat reader: GetSlotStatus on 0, 1, … until the reader says there is no such
   * slot (bError 5, CCID §6.2.6). An answer that does not come is asked for again
   * (SLOT_PROBE_ATTEMPTS in all): one lost to line noise must not make a slot disappear. A
   * reader silent every time on a slot ends the probe there (a stock reader that ignores slots
   * it does not have).
   */
  async #probeCompatSlots(): Promise<number> {
    let n = 0;
    for (; n < MAX_COMPAT_SLOTS; n++) {
      const m = await this.#slotStatus(n);
      if (!m) break;
      if (m.type !== RdrToPc.SlotStatus) {
        throw new ProtocolError(
          `${this.path}: GetSlotStatus on slot ${n} was not answered SlotStatus`,
          {
            reader: this.path,
          },
        );
      }
      if (m.commandStatus === CommandStatus.Failed && m.error === NO_SUCH_SLOT) {
        if (n === 0) {
          throw new ProtocolError(`${this.path}: the reader refuses GetSlotStatus on slot 0`, {
            reader: this.path,
          });
        }
        break;
      }
      // Any other answer, failed or not (a busy slot, a hardware error), shows the slot exists.
    }
    return n;
  }

  /** GetSlotStatus on `slot`, asked again after a timeout; undefined when never answered. */
  async #slotStatus(slot: number): Promise<RdrToPcMessage | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#client.command(
          { type: PcToRdr.GetSlotStatus, slot },
          { timeoutMs: slot === 0 ? CONTROL_TIMEOUT_MS : SLOT_PROBE_TIMEOUT_MS },
        );
      } catch (e) {
        if (!(e instanceof ReaderTimeoutError) || attempt >= SLOT_PROBE_ATTEMPTS) {
          if (slot > 0 && e instanceof ReaderTimeoutError) return undefined;
          throw e;
        }
      }
    }
  }

  #lose(error: ReaderError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.close(error);
    void this.#channel.close();
    this.#events.lost(error);
  }

  /** Closes the link; pending calls fail with reader-detached. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#client.close(new ReaderDetachedError(`${this.path}: closed`, { reader: this.path }));
    }
    await this.#channel.close();
  }
}

function detached(path: string, error: TransportError | undefined): ReaderDetachedError {
  return new ReaderDetachedError(
    error ? `${path}: the reader link was lost (${error.message})` : `${path}: the link closed`,
    { reader: path, cause: error },
  );
}
