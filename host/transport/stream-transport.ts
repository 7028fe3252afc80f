// Transport over a node:stream Duplex made on demand: the simulator in the same process. The
// factory is called on every open, so after a lost link the driver reaches a fresh stream.
import type { Duplex } from 'node:stream';
import { streamLink } from './stream-link.ts';
import type { Transport } from './transport.ts';
import { TransportError, reason } from './transport-error.ts';

export function streamTransport(path: string, connect: () => Duplex | Promise<Duplex>): Transport {
  return {
    kind: 'stream',
    path,
    async open(listener) {
      let stream: Duplex;
      try {
        stream = await connect();
      } catch (e) {
        throw new TransportError('open-failed', path, `cannot open: ${reason(e)}`, { cause: e });
      }
      if (stream.destroyed) throw new TransportError('open-failed', path, 'the stream is closed');
      return streamLink(path, stream, listener);
    },
  };
}
