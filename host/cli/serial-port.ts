// The serial transport the firmware commands open readers with. The same line as
// ../transport/serial-transport.ts (115200 8N2, no flow control), but its stream closes the port
// when the link is closed: SerialPort's destroy() ends the stream and leaves the port open, its
// file descriptor and exclusive lock held, so every reopen then fails with "Cannot lock port" —
// and `fw flash` reopens each reader after its Reboot. (The fix belongs in serial-transport.ts;
// this stands in for it until it lands there.)
import { SerialPort } from 'serialport';
import {
  SERIAL_BAUD_RATE,
  SERIAL_DATA_BITS,
  SERIAL_STOP_BITS,
} from '../transport/serial-transport.ts';
import { streamTransport } from '../transport/stream-transport.ts';
import type { Transport } from '../transport/transport.ts';

export function reopenableSerialTransport(path: string): Transport {
  const transport = streamTransport(
    path,
    () =>
      new Promise<SerialPort>((resolve, reject) => {
        const port = new SerialPort({
          path,
          baudRate: SERIAL_BAUD_RATE,
          dataBits: SERIAL_DATA_BITS,
          stopBits: SERIAL_STOP_BITS,
          parity: 'none',
          rtscts: false,
          xon: false,
          xoff: false,
          autoOpen: false,
        });
        port.open((e) => (e ? reject(e) : resolve(closingOnDestroy(port))));
      }),
  );
  return { ...transport, kind: 'serial' };
}

function closingOnDestroy(port: SerialPort): SerialPort {
  port._destroy = (error, callback) => {
    if (!port.isOpen) callback(error);
    else port.close(() => callback(error));
  };
  return port;
}
