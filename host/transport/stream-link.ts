// A ByteLink over any node:stream Duplex: the in-process simulator, a TCP socket, an open
// SerialPort (which is a Duplex). The stream ending or erroring is a lost link.
import type { Duplex } from 'node:stream';
import type { ByteLink, LinkListener } from './transport.ts';
import { TransportError, reason } from './transport-error.ts';

export function streamLink(path: string, stream: Duplex, listener: LinkListener): ByteLink {
  let state: 'open' | 'closing' | 'closed' = 'open';
  let closedPromise: Promise<void> | undefined;
  let resolveClosed: () => void = () => {};

  const finish = (error: TransportError | undefined): void => {
    if (state === 'closed') return;
    state = 'closed';
    stream.off('data', onData);
    stream.off('error', onError);
    stream.off('end', onEnd);
    stream.off('close', onClose);
    // Later errors from a destroyed stream must not become uncaught exceptions.
    stream.on('error', () => {});
    if (!stream.destroyed) stream.destroy();
    listener.closed(error);
    resolveClosed();
  };
  const lost = (message: string, cause?: unknown): void =>
    finish(
      state === 'closing' ? undefined : new TransportError('link-lost', path, message, { cause }),
    );

  const onData = (chunk: Buffer | Uint8Array | string): void => {
    if (state !== 'open') return;
    if (typeof chunk === 'string') {
      lost('the stream delivered text, not bytes');
      return;
    }
    listener.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  };
  const onError = (e: unknown): void => lost(`link error: ${reason(e)}`, e);
  const onEnd = (): void => lost('the reader closed the link');
  const onClose = (): void => lost('the link closed');

  stream.on('data', onData);
  stream.on('error', onError);
  stream.on('end', onEnd);
  stream.on('close', onClose);

  return {
    write(bytes) {
      if (state !== 'open') {
        return Promise.reject(new TransportError('closed', path, 'the link is closed'));
      }
      return new Promise((resolve, reject) => {
        stream.write(bytes, (e) => {
          if (!e) {
            resolve();
            return;
          }
          const err = new TransportError('write-failed', path, `write failed: ${reason(e)}`, {
            cause: e,
          });
          reject(err);
          finish(err);
        });
      });
    },
    close() {
      if (state === 'closed') return Promise.resolve();
      if (!closedPromise) {
        state = 'closing';
        closedPromise = new Promise<void>((r) => (resolveClosed = r));
        // destroy() ends it at once; the 'close' event (or finish below) delivers `closed`.
        stream.destroy();
        queueMicrotask(() => finish(undefined));
      }
      return closedPromise;
    },
  };
}
