// The host link as an in-process node:stream Duplex: what is written goes to the reader, what
// the reader sends to the host is readable. For the host driver running in the same process.
import { Duplex } from 'node:stream';
import type { Reader } from '../reader/reader.ts';

export function hostDuplex(reader: Reader): Duplex {
  let stop = () => {};
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      reader.hostWrite(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      callback();
    },
    final(callback) {
      // The host closed its side: the link is done in both directions.
      stop();
      this.push(null);
      callback();
    },
    destroy(error, callback) {
      stop();
      callback(error);
    },
  });
  stop = reader.onHostData((bytes) => stream.push(Buffer.from(bytes)));
  return stream;
}
