// Two connected in-memory Duplex streams: what one end writes, the other reads. The simulator in
// the same process sits on one end and the driver's stream transport on the other. Destroying
// either end closes both, as unplugging a cable would.
import { Duplex } from 'node:stream';

export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (other: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        const peer = other();
        if (peer.destroyed) {
          callback(new Error('the other end is closed'));
          return;
        }
        peer.push(Uint8Array.from(chunk));
        callback();
      },
      final(callback) {
        other().push(null);
        callback();
      },
      destroy(error, callback) {
        const peer = other();
        if (!peer.destroyed) peer.destroy();
        callback(error);
      },
    });
  ends.push(make(() => ends[1]));
  ends.push(make(() => ends[0]));
  return [ends[0], ends[1]];
}
