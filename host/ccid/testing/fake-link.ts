// Test support: a FakeReader on one end of a duplex pair, and a Transport that reaches it (a new
// pair on every open, as a re-plugged cable).
import { duplexPair } from '../../transport/duplex-pair.ts';
import { streamTransport } from '../../transport/stream-transport.ts';
import type { Transport } from '../../transport/transport.ts';
import { FakeReader, type FakeReaderOptions } from './fake-reader.ts';

export function fakeTransport(options: FakeReaderOptions): {
  reader: FakeReader;
  transport: Transport;
  /** Refuse opens while false (the reader is unplugged). */
  plugged: { value: boolean };
  opens: { count: number };
} {
  const reader = new FakeReader(options);
  const plugged = { value: true };
  const opens = { count: 0 };
  const transport = streamTransport('fake:reader', () => {
    opens.count++;
    if (!plugged.value) throw new Error('no such device');
    const [host, device] = duplexPair();
    reader.attach(device);
    return host;
  });
  return { reader, transport, plugged, opens };
}
