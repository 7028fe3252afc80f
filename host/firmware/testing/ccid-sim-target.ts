// Test support (never imported by production code): an UpdateTarget that speaks CCID in the serial
// framing to a simulated reader (simulator/simulation.ts) — PC_to_RDR_Escape out, RDR_to_PC_Escape
// back — and switches it to the native profile after every (re)start, as the driver does. The
// tools' tests now go through the driver's Reader (reader-target.ts, ../cli/sim-fleet.ts); this
// stand-in remains only for bench/flashing/flash-run.ts, which can switch to readerTarget and then
// let it go.
import { decodeMessage, encodeMessage } from '../../../protocol/ccid-codec.ts';
import { PcToRdr, RdrToPc } from '../../../protocol/ccid-constants.ts';
import { Profile, VendorCommand } from '../../../protocol/native-constants.ts';
import { encodeVendorRequest } from '../../../protocol/native/vendor-escape.ts';
import { NATIVE_MAX_MESSAGE_LENGTH } from '../../../protocol/serial-constants.ts';
import { SerialDecoder } from '../../../protocol/serial-decoder.ts';
import { encodeFrame } from '../../../protocol/serial-frame.ts';
import type { Simulation } from '../../../simulator/simulation.ts';
import type { UpdateTarget } from '../target.ts';

export const ESCAPE_TIMEOUT_MS = 3000;

export function ccidSimTarget(sim: Simulation, name: string): UpdateTarget {
  const decoder = new SerialDecoder({ maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH });
  const clock = sim.clientClock;
  const pending = new Map<number, (data: Uint8Array) => void>();
  let seq = 0;
  sim.reader.onHostData((bytes) => {
    for (const event of decoder.push(bytes)) {
      if (event.kind !== 'frame') continue;
      let m;
      try {
        m = decodeMessage(event.message, 'rdr-to-pc');
      } catch {
        continue; // a compat echo of our command, or noise: not an answer
      }
      if (m.type === RdrToPc.Escape) pending.get(m.seq)?.(m.data);
    }
  });
  const escape = (abData: Uint8Array) =>
    new Promise<Uint8Array>((resolve, reject) => {
      seq = (seq + 1) & 0xff;
      const s = seq;
      const timer = clock.setTimeout(() => {
        pending.delete(s);
        reject(new Error(`${name}: no answer within ${ESCAPE_TIMEOUT_MS} ms`));
      }, ESCAPE_TIMEOUT_MS);
      pending.set(s, (data) => {
        clock.clearTimeout(timer);
        pending.delete(s);
        resolve(data);
      });
      sim.reader.hostWrite(
        encodeFrame(encodeMessage({ type: PcToRdr.Escape, slot: 0, seq: s, data: abData })),
      );
    });
  const pause = (ms: number) => new Promise<void>((r) => clock.setTimeout(r, ms));
  return {
    name,
    clock,
    escape,
    async reconnect() {
      for (let i = 0; !sim.reader.running; i++) {
        if (i > 600 || sim.reader.bootError)
          throw new Error(`${name}: the reader did not come back`);
        await pause(50);
      }
      await pause(50);
      // A restarted reader is in compat; the update chunks need the native profile's messages.
      await escape(
        encodeVendorRequest({ command: VendorCommand.SetProfile, profile: Profile.Native }),
      );
    },
  };
}
