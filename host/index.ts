// kiosk-reader's public TypeScript API: the driver (readers, sessions, typed errors), its
// transports, and the card applications that run on a session.
//
//   const readers = new Readers();                       // discovers readers on serial ports
//   readers.on('card-inserted', async ({ reader, slot }) => {
//     const card = await reader.connect(slot, { share: 'exclusive' });
//     const psam = await reader.connect(1);
//     console.log(await readSscBasic(card, { psam: new Psam(psam) }));
//   });
//   await readers.start();

export { Readers, type ReadersEvents, type ReadersOptions } from './reader/readers.ts';
export {
  Reader,
  type CardEvent,
  type ConnectOptions,
  type ReaderEvents,
  type ReaderOptions,
  type ReaderState,
} from './reader/reader.ts';
export { CardSession, type ShareMode, type TransmitOptions } from './reader/card-session.ts';
export {
  COMPAT_LIMITATIONS,
  type ReaderCapabilities,
  type SlotDescription,
} from './reader/capabilities.ts';
export { READER_USB_PRODUCT_ID, READER_USB_VENDOR_ID } from './reader/usb-ids.ts';
export { discoverSerialReaders, type DiscoveryResult } from './reader/serial-discovery.ts';

export {
  BadRequestError,
  BusyError,
  CancelledError,
  CardMuteError,
  CardRemovedError,
  CommandFailedError,
  NoCardError,
  NotSupportedError,
  NotSupportedInCompatError,
  ProtocolError,
  ReaderDetachedError,
  ReaderError,
  ReaderTimeoutError,
  SessionClosedError,
  isReaderError,
  type ReaderErrorCode,
} from './ccid/errors.ts';
export type { TraceEntry, Tracer } from './ccid/frame-channel.ts';

export type { ByteLink, LinkListener, Transport, TransportKind } from './transport/transport.ts';
export { TransportError, isTransportError } from './transport/transport-error.ts';
export { serialTransport, SERIAL_BAUD_RATE } from './transport/serial-transport.ts';
export { streamTransport } from './transport/stream-transport.ts';
export { tcpTransport } from './transport/tcp-transport.ts';
export { duplexPair } from './transport/duplex-pair.ts';
export { realClock, type Clock } from './clock.ts';

export * from './cards/index.ts';
