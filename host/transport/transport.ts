// The hardware boundary of the driver, as node-serialport's BindingInterface is for serialport:
// one small interface, so the serial port, the in-process simulator and TCP are interchangeable.
// A Transport knows how to reach a reader; each open() gives a fresh ByteLink (after a lost link
// the driver simply opens again). Bytes are opaque here: framing is the CCID layer's business.
import type { TransportError } from './transport-error.ts';

/** Where the bytes of an open link go. Called in arrival order; `closed` is called once, last. */
export interface LinkListener {
  data(bytes: Uint8Array): void;
  /** The link ended: `error` when it was lost (unplugged, peer gone), undefined after close(). */
  closed(error: TransportError | undefined): void;
}

/** One open byte duplex to a reader. */
export interface ByteLink {
  /** Queues bytes for the reader; rejects with a TransportError when the link is gone. */
  write(bytes: Uint8Array): Promise<void>;
  /** Closes the link; resolves once `closed` has been delivered. Safe to call twice. */
  close(): Promise<void>;
}

export type TransportKind = 'serial' | 'stream' | 'tcp';

export interface Transport {
  readonly kind: TransportKind;
  /** Names the reader's port for people and logs: a device path, `tcp:127.0.0.1:35963`, … */
  readonly path: string;
  /** Opens a link; rejects with TransportError code 'open-failed'. */
  open(listener: LinkListener): Promise<ByteLink>;
}
