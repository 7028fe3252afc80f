// A separate process for the pseudo-terminal test: opens <path> with the serialport package, as
// any serial-port software would, sends the native-profile HELLO (a vendor escape), reads the
// reader's frames until the answer, closes the port, and does it again (a client that closes and
// reopens the port, as pcscd does). Prints one JSON line per round: the decoded HELLO.
// Usage: node --import tsx hello-client.ts <path>
import { SerialPort } from 'serialport';
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
} from '../../../protocol/index.ts';

const path = process.argv[2];
if (!path) {
  console.error('usage: hello-client.ts <path>');
  process.exit(2);
}
// A safety net only: the test fails with this message instead of hanging.
const guard = setTimeout(() => {
  console.error('no HELLO answer within 20 s');
  process.exit(1);
}, 20_000);

async function round(seq: number): Promise<unknown> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  const decoder = new SerialDecoder({ maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH });
  const answer = new Promise<unknown>((resolve, reject) => {
    port.on('data', (chunk: Buffer) => {
      for (const e of decoder.push(new Uint8Array(chunk))) {
        if (e.kind !== 'frame' || isMessageType(e.message[0], 'pc-to-rdr')) continue; // echo
        const m = decodeMessage(e.message, 'rdr-to-pc');
        if (m.type !== RdrToPc.Escape) return reject(new Error(`unexpected message ${m.type}`));
        resolve(decodeVendorResponse(m.data));
      }
    });
  });
  const request = encodeMessage({
    type: PcToRdr.Escape,
    slot: 0,
    seq,
    data: encodeVendorRequest({ command: VendorCommand.Hello }),
  });
  port.write(Buffer.from(encodeFrame(request)));
  const reply = await answer;
  await new Promise<void>((resolve) => port.close(() => resolve()));
  return reply;
}

for (const seq of [1, 2]) console.log(JSON.stringify(await round(seq)));
clearTimeout(guard);
