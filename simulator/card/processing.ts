// Runs one command APDU at the card operating system and says how long the card takes for it.
// Order of precedence for the time (one fact in one place: the profile):
//   1. the profile's processingUsByIns[INS] (a slow INS set on purpose, e.g. for WTX tests);
//   2. ApduResult.processingUs when the COS gives a positive one (crypto, file sizes …);
//   3. the profile's processingUs.

import type { ApduProcessor, ApduResult } from './contract.ts';
import { NS_PER_US } from './card-timing.ts';
import type { CheckedTransport } from './transport-profile.ts';

/** ISO 7816-4 §5.6: "no precise diagnosis", for a COS that broke its never-throw promise. */
const SW_NO_PRECISE_DIAGNOSIS = new Uint8Array([0x6f, 0x00]);

export interface Processed {
  /** Response data (without SW1 SW2). */
  readonly data: Uint8Array;
  readonly sw1: number;
  readonly sw2: number;
  readonly processingNs: number;
}

export function processApdu(
  os: ApduProcessor,
  transport: CheckedTransport,
  command: Uint8Array,
): Processed {
  let result: ApduResult | undefined;
  try {
    result = os.process(command);
  } catch {
    result = undefined;
  }
  let response = result?.response;
  if (!(response instanceof Uint8Array) || response.length < 2) response = SW_NO_PRECISE_DIAGNOSIS;
  const ins = command.length > 1 ? command[1] : -1;
  return {
    data: response.slice(0, response.length - 2),
    sw1: response[response.length - 2],
    sw2: response[response.length - 1],
    processingNs: processingUs(transport, ins, result?.processingUs) * NS_PER_US,
  };
}

/** Time for a command answered by the card side itself (GET RESPONSE from pending data …). */
export function localProcessingNs(transport: CheckedTransport, ins: number): number {
  return processingUs(transport, ins, undefined) * NS_PER_US;
}

function processingUs(
  transport: CheckedTransport,
  ins: number,
  fromCos: number | undefined,
): number {
  const byIns = transport.processingUsByIns.get(ins);
  if (byIns !== undefined) return byIns;
  if (typeof fromCos === 'number' && Number.isFinite(fromCos) && fromCos > 0) return fromCos;
  return transport.profile.processingUs;
}

/** os.t0CommandHasData, with a COS that throws treated as "no data" (case 1/2). */
export function commandHasData(
  os: ApduProcessor,
  cla: number,
  ins: number,
  p1: number,
  p2: number,
): boolean {
  try {
    return os.t0CommandHasData(cla, ins, p1, p2) === true;
  } catch {
    return false;
  }
}
