// Card side of Protocol and Parameters Selection (ISO 7816-3 §9; ../shared/reference/
// iso7816-and-ccid.md §A7): PPSS PPS0 [PPS1] [PPS2] [PPS3] PCK, answered by an echo, by silence,
// or (a faulty card) by a wrong answer.

import { DEFAULT_D, DEFAULT_F, diFromCode, fiFromCode } from '../../protocol/iso7816-tables.ts';
import type { CardTransportProfile } from './contract.ts';

/** PPSS, the first byte of a PPS request (and the reason NAD FF is invalid in T=1). */
export const PPSS = 0xff;
const PPS0_PPS1 = 0x10;
const PPS0_PPS2 = 0x20;
const PPS0_PPS3 = 0x40;
const PPS0_RFU = 0x80;

/** What the card offers, from its ATR. */
export interface PpsOffer {
  /** Protocols announced in the ATR. */
  readonly protocols: readonly number[];
  /** TA1 as sent, undefined if absent (only Fd = 372, Dd = 1 then). */
  readonly ta1: number | undefined;
  /** TA2 present: specific mode, PPS not available (§8.3). */
  readonly specificMode: boolean;
}

export type PpsAnswer =
  /** Echo sent; from now on the card runs `protocol` at F/D. */
  | {
      readonly kind: 'accept';
      readonly response: Uint8Array;
      readonly protocol: number;
      readonly f: number;
      readonly d: number;
    }
  /** The card stays silent; the reader has to reset it (§9.3). */
  | { readonly kind: 'silent'; readonly reason: string }
  /** A wrong answer (a faulty card): the reader has to reset it. */
  | { readonly kind: 'wrong'; readonly response: Uint8Array };

/** Collects a PPS request byte by byte; its length follows from PPS0. */
export class PpsRequestReader {
  readonly #bytes: number[] = [];
  #corrupt = false;

  /** Adds a byte; true once the request is complete. */
  push(byte: number, corrupt: boolean): boolean {
    this.#bytes.push(byte & 0xff);
    if (corrupt) this.#corrupt = true;
    return this.#bytes.length >= this.expectedLength;
  }

  /** PPSS PPS0 … PCK: 3 bytes plus one for each of PPS1..PPS3 that PPS0 announces. */
  get expectedLength(): number {
    if (this.#bytes.length < 2) return 3;
    const pps0 = this.#bytes[1];
    return 3 + bit(pps0, PPS0_PPS1) + bit(pps0, PPS0_PPS2) + bit(pps0, PPS0_PPS3);
  }

  get bytes(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }

  /** A character of the request arrived with a parity error (T=1 frame: not repeated). */
  get corrupt(): boolean {
    return this.#corrupt;
  }
}

/** Answers a complete request as the profile says. */
export function answerPps(
  request: Uint8Array,
  corrupt: boolean,
  offer: PpsOffer,
  behaviour: CardTransportProfile['pps'],
): PpsAnswer {
  const checked = checkRequest(request, corrupt, offer);
  if (typeof checked === 'string') return { kind: 'silent', reason: checked };
  if (behaviour === 'refuse-silent') return { kind: 'silent', reason: 'the profile refuses PPS' };
  // The echo (§9.3): PPSS, PPS0 with PPS1 kept and PPS2/PPS3 left out (not used by this card),
  // PPS1 as requested, PCK.
  const response = [PPSS, request[1] & (0x0f | PPS0_PPS1)];
  if (checked.pps1 !== undefined) response.push(checked.pps1);
  response.push(xor(response));
  if (behaviour === 'answer-wrong') {
    // A faulty card: the echo with a broken PCK (§9.3: the reader must then reset the card).
    response[response.length - 1] ^= 0xff;
    return { kind: 'wrong', response: Uint8Array.from(response) };
  }
  return {
    kind: 'accept',
    response: Uint8Array.from(response),
    protocol: checked.protocol,
    f: checked.pps1 === undefined ? DEFAULT_F : fiFromCode(checked.pps1 >> 4),
    d: checked.pps1 === undefined ? DEFAULT_D : diFromCode(checked.pps1 & 0x0f),
  };
}

/** The request's protocol and PPS1, or why the card ignores it. */
function checkRequest(
  request: Uint8Array,
  corrupt: boolean,
  offer: PpsOffer,
): { protocol: number; pps1: number | undefined } | string {
  if (corrupt) return 'a character of the request had a parity error';
  if (request.length < 3 || request[0] !== PPSS) return 'not a PPS request';
  if (xor(request) !== 0) return 'PCK does not match';
  const pps0 = request[1];
  if (pps0 & PPS0_RFU) return 'PPS0 b8 (RFU) is set';
  if (offer.specificMode) return 'the card is in specific mode (TA2): no PPS';
  const protocol = pps0 & 0x0f;
  if (!offer.protocols.includes(protocol)) return `T=${protocol} is not offered in the ATR`;
  const pps1 = pps0 & PPS0_PPS1 ? request[2] : undefined;
  if (pps1 !== undefined && !offersRate(pps1, offer.ta1)) {
    return `PPS1 ${pps1.toString(16).padStart(2, '0')} asks for an Fi/Di the card does not offer`;
  }
  return { protocol, pps1 };
}

/**
 * The card offers its TA1 values and the defaults Fd = 372, Dd = 1 (ISO 7816-3 §9.3; PPS1 codes
 * 01 and 11 both mean F = 372, D = 1).
 */
function offersRate(pps1: number, ta1: number | undefined): boolean {
  if (pps1 === ta1) return true;
  return fiFromCode(pps1 >> 4) === DEFAULT_F && diFromCode(pps1 & 0x0f) === DEFAULT_D;
}

function bit(value: number, mask: number): number {
  return value & mask ? 1 : 0;
}

function xor(bytes: ArrayLike<number>): number {
  let x = 0;
  for (let i = 0; i < bytes.length; i++) x ^= bytes[i];
  return x;
}
