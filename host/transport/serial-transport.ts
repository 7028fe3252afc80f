// Transport over a serial port through the serialport package: 115200 baud, 8 data bits, no
// parity, 2 stop bits, no flow control — the line libccid sets up for its serial readers
// (../shared/reference/ccid-over-serial.md §5). A pseudo-terminal ignores speed and stop bits.
import { SerialPort } from 'serialport';
import { streamLink } from './stream-link.ts';
import type { Transport } from './transport.ts';
import { TransportError, reason } from './transport-error.ts';

/** ccid-over-serial.md §5: cfsetspeed(B115200), CS8 | CSTOPB. */
export const SERIAL_BAUD_RATE = 115200;
export const SERIAL_DATA_BITS = 8;
export const SERIAL_STOP_BITS = 2;

export interface SerialTransportOptions {
  baudRate?: number;
}

export function serialTransport(path: string, options: SerialTransportOptions = {}): Transport {
  return {
    kind: 'serial',
    path,
    open(listener) {
      return new Promise((resolve, reject) => {
        let port: SerialPort;
        try {
          port = new SerialPort({
            path,
            baudRate: options.baudRate ?? SERIAL_BAUD_RATE,
            dataBits: SERIAL_DATA_BITS,
            stopBits: SERIAL_STOP_BITS,
            parity: 'none',
            rtscts: false,
            xon: false,
            xoff: false,
            autoOpen: false,
          });
        } catch (e) {
          reject(
            new TransportError('open-failed', path, `cannot open: ${reason(e)}`, { cause: e }),
          );
          return;
        }
        port.open((e) => {
          if (e) {
            reject(
              new TransportError('open-failed', path, `cannot open: ${reason(e)}`, { cause: e }),
            );
            return;
          }
          resolve(streamLink(path, closingOnDestroy(port), listener));
        });
      });
    },
  };
}

/**
 * SerialPort's stream has no _destroy of its own: destroy() ends the stream but leaves the port
 * open, its file descriptor and exclusive lock held, so every reopen (a reconnect, the reboot
 * after a firmware update) fails with "Cannot lock port". Destroying it closes the port.
 */
function closingOnDestroy(port: SerialPort): SerialPort {
  port._destroy = (error, callback) => {
    if (!port.isOpen) callback(error);
    else port.close(() => callback(error));
  };
  return port;
}
