// T=1 epilogue field (ISO 7816-3 §11.3.3; ../shared/reference/iso7816-and-ccid.md §A9): LRC, the
// XOR of prologue and INF, or a 16-bit CRC. The CRC is the one libccid computes
// (openct/checksum.c): reflected polynomial 0x8408, initial value FFFF, no final XOR, sent high
// byte first. Stock pcscd runs T=1 with exactly that CRC in compat mode, so the card must agree.

export type EdcKind = 'lrc' | 'crc';

const CRC_TABLE = buildCrcTable();

function buildCrcTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    table[i] = c;
  }
  return table;
}

export function edcLength(kind: EdcKind): number {
  return kind === 'crc' ? 2 : 1;
}

export function lrc(bytes: Uint8Array): number {
  let x = 0;
  for (let i = 0; i < bytes.length; i++) x ^= bytes[i];
  return x;
}

export function crc(bytes: Uint8Array): number {
  let v = 0xffff;
  for (let i = 0; i < bytes.length; i++) v = (v >>> 8) ^ CRC_TABLE[(v ^ bytes[i]) & 0xff];
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
