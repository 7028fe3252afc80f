// Errors of the transport layer, with markers in node-serialport's style (`disconnected`), so a
// caller can test `err.disconnected` without importing the class.

export type TransportErrorCode =
  /** The port could not be opened (missing device, permissions, refused connection). */
  | 'open-failed'
  /** The link was lost after it opened: device unplugged, peer closed, I/O error. */
  | 'link-lost'
  /** A write failed; the link is treated as lost. */
  | 'write-failed'
  /** The link was closed by us; nothing more can be written. */
  | 'closed';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly transportError = true;
  constructor(
    readonly code: TransportErrorCode,
    /** The port, as Transport.path. */
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, options);
  }

  /** True when the reader went away (as node-serialport's DisconnectedError.disconnected). */
  get disconnected(): boolean {
    return this.code === 'link-lost' || this.code === 'write-failed';
  }
}

export function isTransportError(e: unknown): e is TransportError {
  return e instanceof TransportError;
}

/** A short reason from anything thrown by a port library. */
export function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
