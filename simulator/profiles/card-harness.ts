// A tiny harness for tests that talk to a card operating system in hex, the way the reference
// traces are written: send("00A4020002EF05") → { data: "", sw: "9000" }.

import { fromHex, toHex } from '../../protocol/bytes.ts';
import type { ApduProcessor } from '../card/contract.ts';

export interface HexResponse {
  data: string;
  sw: string;
}

export function sendHex(os: ApduProcessor, command: string): HexResponse {
  const r = os.process(fromHex(command)).response;
  const h = toHex(r).replace(/ /g, '');
  return { data: h.slice(0, -4), sw: h.slice(-4) };
}

/** Sends and expects 9000; returns the data (hex). */
export function sendOk(os: ApduProcessor, command: string): string {
  const r = sendHex(os, command);
  if (r.sw !== '9000') throw new Error(`${command} → ${r.data}${r.sw}, expected 9000`);
  return r.data;
}
