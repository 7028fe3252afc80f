// T=1 blocks (ISO 7816-3 §11.3; ../shared/reference/iso7816-and-ccid.md §A9):
// NAD PCB LEN INF EDC, with I-blocks (information), R-blocks (receive ready) and S-blocks
// (supervisory). Pure encoding and decoding; the card's protocol rules are in t1-card.ts.

import {
  PCB_I_MORE,
  PCB_I_NS,
  PCB_I_RFU,
  PCB_R_BLOCK,
  PCB_R_ERROR_MASK,
  PCB_R_NR,
  PCB_R_RFU,
  PCB_S_BLOCK,
  PCB_S_RESPONSE,
  PCB_S_TYPE_MASK,
  T1_LEN_RESERVED,
  T1_PROLOGUE_LENGTH,
  T1BlockKind,
  T1RError,
  T1SType,
  t1BlockKind,
} from '../../protocol/t1-constants.ts';
import { computeEdc, edcLength, edcMatches, type EdcKind } from './t1-edc.ts';

export type T1Block =
  | {
      readonly kind: 'I';
      readonly nad: number;
      readonly ns: number;
      readonly more: boolean;
      readonly inf: Uint8Array;
    }
  | { readonly kind: 'R'; readonly nad: number; readonly nr: number; readonly error: T1RError }
  | {
      readonly kind: 'S';
      readonly nad: number;
      readonly type: T1SType;
      readonly response: boolean;
      readonly inf: Uint8Array;
    };

export type BlockDecodeResult =
  | { readonly ok: true; readonly block: T1Block }
  | { readonly ok: false; readonly error: T1RError.Edc | T1RError.Other; readonly reason: string };

export function iBlock(nad: number, ns: number, more: boolean, inf: Uint8Array): T1Block {
  return { kind: 'I', nad, ns: ns & 1, more, inf };
}

export function rBlock(nad: number, nr: number, error: T1RError): T1Block {
  return { kind: 'R', nad, nr: nr & 1, error };
}

export function sBlock(
  nad: number,
  type: T1SType,
  response: boolean,
  inf: Uint8Array = new Uint8Array(0),
): T1Block {
  return { kind: 'S', nad, type, response, inf };
}

export function encodeBlock(block: T1Block, edc: EdcKind): Uint8Array {
  let pcb: number;
  let inf: Uint8Array;
  switch (block.kind) {
    case 'I':
      pcb = (block.ns ? PCB_I_NS : 0) | (block.more ? PCB_I_MORE : 0);
      inf = block.inf;
      break;
    case 'R':
      pcb = PCB_R_BLOCK | (block.nr ? PCB_R_NR : 0) | block.error;
      inf = new Uint8Array(0);
      break;
    case 'S':
      pcb = PCB_S_BLOCK | (block.response ? PCB_S_RESPONSE : 0) | block.type;
      inf = block.inf;
      break;
  }
  const body = new Uint8Array(T1_PROLOGUE_LENGTH + inf.length);
  body[0] = block.nad;
  body[1] = pcb;
  body[2] = inf.length;
  body.set(inf, T1_PROLOGUE_LENGTH);
  const out = new Uint8Array(body.length + edcLength(edc));
  out.set(body);
  out.set(computeEdc(edc, body), body.length);
  return out;
}

/**
 * Decodes a complete block as a card receives it. `maxInf` is the card's IFSC: a longer I-block
 * is an error (§11.4.2). Never throws.
 */
export function decodeBlock(bytes: Uint8Array, edc: EdcKind, maxInf: number): BlockDecodeResult {
  const epilogue = edcLength(edc);
  if (bytes.length < T1_PROLOGUE_LENGTH + epilogue)
    return bad(T1RError.Other, 'block shorter than prologue and EDC');
  const len = bytes[2];
  if (len === T1_LEN_RESERVED) return bad(T1RError.Other, 'LEN FF is reserved');
  if (bytes.length !== T1_PROLOGUE_LENGTH + len + epilogue)
    return bad(T1RError.Other, 'LEN does not match the block');
  if (!edcMatches(edc, bytes)) return bad(T1RError.Edc, 'EDC does not match');
  const nad = bytes[0];
  if (!validNad(nad)) return bad(T1RError.Other, `NAD ${hex(nad)} is invalid`);
  const pcb = bytes[1];
  const inf = bytes.slice(T1_PROLOGUE_LENGTH, T1_PROLOGUE_LENGTH + len);
  switch (t1BlockKind(pcb)) {
    case T1BlockKind.I:
      if (pcb & PCB_I_RFU) return bad(T1RError.Other, `I-block PCB ${hex(pcb)} has RFU bits set`);
      if (len > maxInf)
        return bad(T1RError.Other, `I-block of ${len} bytes exceeds IFSC ${maxInf}`);
      return ok(iBlock(nad, pcb & PCB_I_NS ? 1 : 0, (pcb & PCB_I_MORE) !== 0, inf));
    case T1BlockKind.R: {
      const error = pcb & PCB_R_ERROR_MASK;
      if (pcb & PCB_R_RFU || error > T1RError.Other)
        return bad(T1RError.Other, `R-block PCB ${hex(pcb)} is invalid`);
      if (len !== 0) return bad(T1RError.Other, 'R-block with INF');
      return ok(rBlock(nad, pcb & PCB_R_NR ? 1 : 0, error));
    }
    case T1BlockKind.S: {
      const type = pcb & PCB_S_TYPE_MASK;
      if (type > T1SType.Wtx) return bad(T1RError.Other, `S-block PCB ${hex(pcb)} is invalid`);
      const infLength = type === T1SType.Ifs || type === T1SType.Wtx ? 1 : 0;
      if (len !== infLength) return bad(T1RError.Other, `S-block PCB ${hex(pcb)} with LEN ${len}`);
      return ok(sBlock(nad, type, (pcb & PCB_S_RESPONSE) !== 0, inf));
    }
  }
}

/**
 * NAD (§11.3.2.1): b8 and b4 are not used for addressing (VPP control, unsupported here) and
 * SAD = DAD is reserved unless both are 0.
 */
function validNad(nad: number): boolean {
  if (nad & 0x88) return false;
  const dad = (nad >> 4) & 0x07;
  const sad = nad & 0x07;
  return dad !== sad || dad === 0;
}

function ok(block: T1Block): BlockDecodeResult {
  return { ok: true, block };
}

function bad(error: T1RError.Edc | T1RError.Other, reason: string): BlockDecodeResult {
  return { ok: false, error, reason };
}

function hex(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}
