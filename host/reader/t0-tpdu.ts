// APDU over a TPDU-level reader for T=0 (the compat profile, and any stock GemPC-style reader):
// the mapping of ISO 7816-3 §12.2 that libccid does on the host. Case 1 gets P3 = 00; case 2S
// sends Le as P3; case 3S sends Lc and data; case 4S sends Lc and data, then GET RESPONSE for
// what 61xx announces (§12.2.5). 6Cxx asks for the same header again with P3 = xx (§10.3.3).
// Extended APDUs need ENVELOPE over T=0, which kiosk cards do not use: not supported here. The
// transport commands, status bytes and the GET RESPONSE class are the firmware's own
// (protocol/iso7816/t0-transport.ts), so both levels send the same bytes.
import {
  INS_GET_RESPONSE,
  SW1_BYTES_AVAILABLE,
  SW1_WRONG_LE,
  interindustryCla,
} from '../../protocol/iso7816/t0-transport.ts';
import { parseCommandApdu } from '../iso7816/apdu.ts';
import { Iso7816FormatError } from '../iso7816/format-error.ts';
import { BadRequestError, NotSupportedInCompatError, ProtocolError } from '../ccid/errors.ts';

/** Bound on GET RESPONSE / 6Cxx rounds, so a card answering 61xx forever cannot hang us. */
const MAX_ROUNDS = 64;

/** Sends one TPDU and returns the card's bytes (data ‖ SW1 SW2). */
export type TpduExchange = (tpdu: Uint8Array) => Promise<Uint8Array>;

export async function transmitT0(exchange: TpduExchange, apdu: Uint8Array): Promise<Uint8Array> {
  let c;
  try {
    c = parseCommandApdu(apdu);
  } catch (e) {
    if (e instanceof Iso7816FormatError) throw new BadRequestError(`bad APDU: ${e.message}`);
    throw e;
  }
  if (c.extended) {
    throw new NotSupportedInCompatError(
      'extended APDUs over T=0 need ENVELOPE at TPDU level; the compat profile does not do it',
    );
  }
  const header = [c.cla, c.ins, c.p1, c.p2];
  let tpdu: Uint8Array;
  switch (c.case) {
    case '1':
      tpdu = Uint8Array.from([...header, 0]);
      break;
    case '2S':
      tpdu = Uint8Array.from([...header, c.ne! & 0xff]);
      break;
    default:
      // 3S and 4S: Le is not sent at TPDU level; 61xx tells what is waiting.
      tpdu = Uint8Array.from([...header, c.data.length, ...c.data]);
  }
  let answer = await exchangeChecked(exchange, tpdu);
  const parts: Uint8Array[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const sw1 = answer[answer.length - 2];
    const sw2 = answer[answer.length - 1];
    if (sw1 === SW1_WRONG_LE && c.case === '2S') {
      // Wrong Le: the card says how many bytes it has (§10.3.3).
      answer = await exchangeChecked(exchange, Uint8Array.from([...header, sw2]));
      continue;
    }
    if (sw1 === SW1_BYTES_AVAILABLE && c.ne !== undefined) {
      parts.push(answer.subarray(0, answer.length - 2));
      const le = sw2;
      answer = await exchangeChecked(
        exchange,
        Uint8Array.of(interindustryCla(c.cla), INS_GET_RESPONSE, 0, 0, le),
      );
      continue;
    }
    parts.push(answer);
    return concat(parts);
  }
  throw new ProtocolError(`the card kept answering 61xx/6Cxx for ${MAX_ROUNDS} rounds`);
}

async function exchangeChecked(exchange: TpduExchange, tpdu: Uint8Array): Promise<Uint8Array> {
  const answer = await exchange(tpdu);
  if (answer.length < 2) {
    throw new ProtocolError(`the reader returned ${answer.length} byte(s) for a T=0 TPDU`);
  }
  return answer;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
