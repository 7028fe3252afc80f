// The CCID messages on one open link, in libccid's serial framing (protocol/serial-frame.ts,
// protocol/serial-decoder.ts; ../shared/reference/ccid-over-serial.md §2). Outgoing messages are
// framed and written; incoming bytes are decoded into answers, NAKs, `50 xx` slot changes and
// time-request bytes. An echo of our own frame (compat profile, §2.4) decodes as a PC_to_RDR
// message and is reported as such, so the client can drop it whatever its length.
import { isMessageType, decodeMessage, encodeMessage } from '../../protocol/ccid-codec.ts';
import type { CcidMessage, PcToRdrMessage, RdrToPcMessage } from '../../protocol/ccid-messages.ts';
import { RdrToPc } from '../../protocol/ccid-constants.ts';
import { NATIVE_MAX_MESSAGE_LENGTH } from '../../protocol/serial-constants.ts';
import { SerialDecoder } from '../../protocol/serial-decoder.ts';
import { encodeFrame } from '../../protocol/serial-frame.ts';
import type { ByteLink, Transport } from '../transport/transport.ts';
import type { TransportError } from '../transport/transport-error.ts';

export type TraceEntry =
  | { readonly kind: 'out'; readonly message: PcToRdrMessage; readonly frame: Uint8Array }
  | { readonly kind: 'in'; readonly message: RdrToPcMessage }
  /** An echo of our frame (compat): its raw message bytes, dropped. */
  | { readonly kind: 'echo'; readonly bytes: Uint8Array }
  | { readonly kind: 'nak' }
  | { readonly kind: 'time-request'; readonly byte: number }
  | { readonly kind: 'fault'; readonly text: string }
  | { readonly kind: 'closed'; readonly text: string };

export type Tracer = (entry: TraceEntry) => void;

export interface FrameListener {
  /** An answer or a notification from the reader (never an echo). */
  message(m: RdrToPcMessage): void;
  /** The reader could not read our last frame: `03 15 16`. */
  nak(): void;
  /** A byte 0x80..0xFF between frames (a GemPC's T=0 "time request"). */
  timeRequest(): void;
  /** Any bytes arrived (liveness). */
  activity(): void;
  /** An echo of our frame was dropped (compat). A native reader echoing has restarted. */
  echo?(): void;
  closed(error: TransportError | undefined): void;
}

export class FrameChannel {
  readonly path: string;
  readonly #link: ByteLink;
  readonly #trace: Tracer | undefined;

  private constructor(path: string, link: ByteLink, trace: Tracer | undefined) {
    this.path = path;
    this.#link = link;
    this.#trace = trace;
  }

  /** Opens `transport` and decodes what arrives on it for `listener`. */
  static async open(
    transport: Transport,
    listener: FrameListener,
    trace?: Tracer,
  ): Promise<FrameChannel> {
    // Receiving is lenient: frames up to the native maximum are accepted in both profiles (the
    // memory bound is the same 4 KiB); what we send is bounded by the client per profile.
    // A header whose dwLength its type cannot have is dropped at once (serial-decoder.ts).
    const decoder = new SerialDecoder({
      maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH,
      checkLengths: true,
    });
    const link = await transport.open({
      data(bytes) {
        listener.activity();
        for (const e of decoder.push(bytes)) {
          switch (e.kind) {
            case 'frame':
              if (deliverFrame(e.message, listener, trace) === 'echo') listener.echo?.();
              break;
            case 'nak':
              trace?.({ kind: 'nak' });
              listener.nak();
              break;
            case 'slot-change':
              deliver(Uint8Array.of(RdrToPc.NotifySlotChange, e.state), listener, trace);
              break;
            case 'time-request':
              trace?.({ kind: 'time-request', byte: e.byte });
              listener.timeRequest();
              break;
            case 'error':
              trace?.({ kind: 'fault', text: `${e.code}: ${e.message}` });
              break;
          }
        }
      },
      closed(error) {
        trace?.({ kind: 'closed', text: error ? error.message : 'closed' });
        listener.closed(error);
      },
    });
    return new FrameChannel(transport.path, link, trace);
  }

  /** Encodes, frames and writes one message. Rejects when the link is gone. */
  send(message: PcToRdrMessage): Promise<void> {
    const frame = encodeFrame(encodeMessage(message));
    this.#trace?.({ kind: 'out', message, frame });
    return this.#link.write(frame);
  }

  close(): Promise<void> {
    return this.#link.close();
  }
}

function deliverFrame(
  bytes: Uint8Array,
  listener: FrameListener,
  trace: Tracer | undefined,
): 'echo' | 'answer' {
  if (bytes.length > 0 && isMessageType(bytes[0], 'pc-to-rdr')) {
    // Our own frame coming back (compat echo, full or header-only): libccid drops the first
    // frame after each command; we drop anything that is a command.
    trace?.({ kind: 'echo', bytes });
    return 'echo';
  }
  deliver(bytes, listener, trace);
  return 'answer';
}

function deliver(bytes: Uint8Array, listener: FrameListener, trace: Tracer | undefined) {
  let m: CcidMessage;
  try {
    m = decodeMessage(bytes, 'rdr-to-pc');
  } catch (e) {
    trace?.({ kind: 'fault', text: `undecodable answer: ${(e as Error).message}` });
    return;
  }
  trace?.({ kind: 'in', message: m });
  listener.message(m);
}
