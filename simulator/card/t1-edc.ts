// T=1 epilogue field (ISO 7816-3 §11.3.3; ../shared/reference/iso7816-and-ccid.md §A9) over a
// Uint8Array: LRC, or the 16-bit CRC that libccid computes. The byte-by-byte rules (and why this
// CRC) are protocol/t1-constants.ts, which the firmware compiles too, so card and reader agree.

import {
  T1_CRC_INITIAL,
  t1CrcUpdate,
  t1EdcLength,
  t1LrcUpdate,
} from '../../protocol/t1-constants.ts';

export type EdcKind = 'lrc' | 'crc';

export function edcLength(kind: EdcKind): number {
  return t1EdcLength(kind === 'crc');
}

function lrc(bytes: Uint8Array): number {
  let x = 0;
  for (let i = 0; i < bytes.length; i++) x = t1LrcUpdate(x, bytes[i]);
  return x;
}

function crc(bytes: Uint8Array): number {
  let v = T1_CRC_INITIAL;
  for (let i = 0; i < bytes.length; i++) v = t1CrcUpdate(v, bytes[i]);
  return v;
}

/** The epilogue bytes for prologue ‖ INF. */
export function computeEdc(kind: EdcKind, body: Uint8Array): Uint8Array {
  if (kind === 'lrc') return Uint8Array.of(lrc(body));
  const v = crc(body);
  return Uint8Array.of(v >>> 8, v & 0xff);
}

/** True when the last edcLength(kind) bytes of `block` are the EDC of the bytes before them. */
export function edcMatches(kind: EdcKind, block: Uint8Array): boolean {
  const n = edcLength(kind);
  if (block.length < n) return false;
  const expected = computeEdc(kind, block.subarray(0, block.length - n));
  for (let i = 0; i < n; i++) if (block[block.length - n + i] !== expected[i]) return false;
  return true;
}
