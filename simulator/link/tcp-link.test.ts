import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  NATIVE_MAX_MESSAGE_LENGTH,
  PcToRdr,
  RdrToPc,
  SerialDecoder,
  VendorCommand,
  decodeMessage,
  decodeVendorResponse,
  encodeFrame,
  encodeMessage,
  encodeVendorRequest,
  isMessageType,
} from '../../protocol/index.ts';
import { LinkSpecError } from '../errors.ts';
import { Simulation } from '../simulation.ts';
import { parseLinkSpec } from './link-spec.ts';
import { TcpLink } from './tcp-link.ts';

function hello(socket: Socket, seq: number): Promise<unknown> {
  const decoder = new SerialDecoder({ maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH });
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      for (const e of decoder.push(new Uint8Array(chunk))) {
        if (e.kind !== 'frame' || isMessageType(e.message[0], 'pc-to-rdr')) continue;
        const m = decodeMessage(e.message, 'rdr-to-pc');
        if (m.type === RdrToPc.Escape) {
          socket.off('data', onData);
          resolve(decodeVendorResponse(m.data));
        }
      }
    };
    socket.on('data', onData);
    const data = encodeVendorRequest({ command: VendorCommand.Hello });
    socket.write(encodeFrame(encodeMessage({ type: PcToRdr.Escape, slot: 0, seq, data })));
  });
}

const open = (port: number) =>
  new Promise<Socket>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });

describe('TcpLink', () => {
  it('serves one client at a time on 127.0.0.1; a client may come back', async () => {
    const sim = await Simulation.create({ seed: 1 });
    const link = await TcpLink.listen(sim.reader, 0);
    const running = sim.run();
    try {
      const a = await open(link.port);
      expect(await hello(a, 1)).toMatchObject({ command: VendorCommand.Hello, status: 0 });
      const b = await open(link.port);
      await new Promise((r) => b.once('close', r)); // refused while `a` is connected
      a.destroy();
      await new Promise((r) => a.once('close', r));
      const c = await open(link.port);
      expect(await hello(c, 2)).toMatchObject({ command: VendorCommand.Hello, status: 0 });
      c.destroy();
    } finally {
      await sim.stop();
      await running;
      await link.close();
    }
  });

  it('parses link specs', () => {
    expect(parseLinkSpec('tcp:0')).toEqual({ kind: 'tcp', port: 0 });
    expect(parseLinkSpec('pty:/tmp/x/tty')).toEqual({ kind: 'pty', path: '/tmp/x/tty' });
    for (const bad of ['tcp:', 'tcp:70000', 'tcp:-1', 'pty:', 'usb:1', 'serial'])
      expect(() => parseLinkSpec(bad)).toThrow(LinkSpecError);
  });
});
