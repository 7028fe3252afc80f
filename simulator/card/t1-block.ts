// T=1 blocks (ISO 7816-3 §11.3; ../shared/reference/iso7816-and-ccid.md §A9):
// NAD PCB LEN INF EDC, with I-blocks (information), R-blocks (receive ready) and S-blocks
// (supervisory). Pure encoding and decoding; the card's protocol rules are in t1-card.ts.

import { computeEdc, edcLength, edcMatches, type EdcKind } from './t1-edc.ts';

/** PCB bits (§11.3.2.2). */
const PCB_R = 0x80;
const PCB_S = 0xc0;
const PCB_KIND_MASK = 0xc0;
const I_NS = 0x40;
const I_MORE = 0x20;
const I_RFU = 0x1f;
const R_NR = 0x10;
const R_RFU = 0x20;
const R_ERROR_MASK = 0x0f;
const S_RESPONSE = 0x20;
const S_TYPE_MASK = 0x1f;

/** LEN FF is reserved (§11.3.2.3); INF is at most 254 bytes. */
export const MAX_INF = 254;
const LEN_RESERVED = 0xff;

/** S-block types (§11.3.2.2, PCB b5..b1). */
export enum SType {
  Resynch = 0x00,
  Ifs = 0x01,
  Abort = 0x02,
  Wtx = 0x03,
}

/** R-block error indication (§11.3.2.2, PCB b4..b1). */
export enum RError {
  None = 0,
  /** EDC or parity error. */
  Edc = 1,
  /** Other errors. */
  Other = 2,
}

export type T1Block =
  | {
      readonly kind: 'I';
      readonly nad: number;
      readonly ns: number;
      readonly more: boolean;
      readonly inf: Uint8Array;
    }
  | { readonly kind: 'R'; readonly nad: number; readonly nr: number; readonly error: RError }
  | {
      readonly kind: 'S';
      readonly nad: number;
      readonly type: SType;
      readonly response: boolean;
      readonly inf: Uint8Array;
    };

export type BlockDecodeResult =
  | { readonly ok: true; readonly block: T1Block }
  | { readonly ok: false; readonly error: RError.Edc | RError.Other; readonly reason: string };

export function iBlock(nad: number, ns: number, more: boolean, inf: Uint8Array): T1Block {
  return { kind: 'I', nad, ns: ns & 1, more, inf };
}

export function rBlock(nad: number, nr: number, error: RError): T1Block {
  return { kind: 'R', nad, nr: nr & 1, error };
}

export function sBlock(
  nad: number,
  type: SType,
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
      pcb = (block.ns ? I_NS : 0) | (block.more ? I_MORE : 0);
      inf = block.inf;
      break;
    case 'R':
      pcb = PCB_R | (block.nr ? R_NR : 0) | block.error;
      inf = new Uint8Array(0);
      break;
    case 'S':
      pcb = PCB_S | (block.response ? S_RESPONSE : 0) | block.type;
      inf = block.inf;
      break;
  }
  const body = new Uint8Array(3 + inf.length);
  body[0] = block.nad;
  body[1] = pcb;
  body[2] = inf.length;
  body.set(inf, 3);
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
  if (bytes.length < 3 + epilogue) return bad(RError.Other, 'block shorter than prologue and EDC');
  const len = bytes[2];
  if (len === LEN_RESERVED) return bad(RError.Other, 'LEN FF is reserved');
  if (bytes.length !== 3 + len + epilogue) return bad(RError.Other, 'LEN does not match the block');
  if (!edcMatches(edc, bytes)) return bad(RError.Edc, 'EDC does not match');
  const nad = bytes[0];
  if (!validNad(nad)) return bad(RError.Other, `NAD ${hex(nad)} is invalid`);
  const pcb = bytes[1];
  const inf = bytes.slice(3, 3 + len);
  if ((pcb & 0x80) === 0) {
    if (pcb & I_RFU) return bad(RError.Other, `I-block PCB ${hex(pcb)} has RFU bits set`);
    if (len > maxInf) return bad(RError.Other, `I-block of ${len} bytes exceeds IFSC ${maxInf}`);
    return ok(iBlock(nad, pcb & I_NS ? 1 : 0, (pcb & I_MORE) !== 0, inf));
  }
  if ((pcb & PCB_KIND_MASK) === PCB_R) {
    const error = pcb & R_ERROR_MASK;
    if (pcb & R_RFU || error > RError.Other)
      return bad(RError.Other, `R-block PCB ${hex(pcb)} is invalid`);
    if (len !== 0) return bad(RError.Other, 'R-block with INF');
    return ok(rBlock(nad, pcb & R_NR ? 1 : 0, error));
  }
  const type = pcb & S_TYPE_MASK;
  if (type > SType.Wtx) return bad(RError.Other, `S-block PCB ${hex(pcb)} is invalid`);
  const infLength = type === SType.Ifs || type === SType.Wtx ? 1 : 0;
  if (len !== infLength) return bad(RError.Other, `S-block PCB ${hex(pcb)} with LEN ${len}`);
  return ok(sBlock(nad, type, (pcb & S_RESPONSE) !== 0, inf));
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

/** The NAD of a block answering `nad`: source and destination swapped (§11.3.2.1). */
export function replyNad(nad: number): number {
  return ((nad & 0x07) << 4) | ((nad >> 4) & 0x07);
}

function ok(block: T1Block): BlockDecodeResult {
  return { ok: true, block };
}

function bad(error: RError.Edc | RError.Other, reason: string): BlockDecodeResult {
  return { ok: false, error, reason };
}

function hex(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}
