// Transport over TCP: the simulator's `--link tcp:<port>` on the loopback interface.
import { connect } from 'node:net';
import { streamLink } from './stream-link.ts';
import type { Transport } from './transport.ts';
import { TransportError, reason } from './transport-error.ts';

export interface TcpTransportOptions {
  port: number;
  /** Default 127.0.0.1: the simulator listens on loopback only. */
  host?: string;
}

export function tcpTransport(options: TcpTransportOptions): Transport {
  const host = options.host ?? '127.0.0.1';
  const { port } = options;
  const path = `tcp:${host}:${port}`;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TransportError('open-failed', path, `port must be 1..65535, got ${port}`);
  }
  return {
    kind: 'tcp',
    path,
    open(listener) {
      return new Promise((resolve, reject) => {
        const socket = connect({ host, port });
        const onError = (e: Error): void => {
          socket.destroy();
          reject(
            new TransportError('open-failed', path, `cannot connect: ${reason(e)}`, { cause: e }),
          );
        };
        socket.once('error', onError);
        socket.once('connect', () => {
          socket.off('error', onError);
          // CCID frames are small and latency matters more than packing.
          socket.setNoDelay(true);
          resolve(streamLink(path, socket, listener));
        });
      });
    },
  };
}
