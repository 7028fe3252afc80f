// T=1 blocks (ISO/IEC 7816-3 §11.3; ../shared/reference/iso7816-and-ccid.md §A9): the prologue
// NAD PCB LEN, the PCB bits of I-, R- and S-blocks, and the epilogue (LRC, or the CRC variant
// libccid computes). Portable subset: compiled by asc (firmware) and tsc (host, simulator), so
// the EDC is given one byte at a time: the firmware feeds it from static memory, the simulator
// from a Uint8Array. The block guard time BGT is T1_BGT_ETU in iso7816-tables.ts.

/** NAD PCB LEN. */
export const T1_PROLOGUE_LENGTH: i32 = 3;
/** INF is 0 .. 254 bytes; LEN FF is reserved (§11.3.2.3). */
export const T1_MAX_INF: i32 = 254;
export const T1_LEN_RESERVED: i32 = 0xff;
/** Epilogue: one LRC byte, or two CRC bytes (§11.3.3). */
export const T1_LRC_LENGTH: i32 = 1;
export const T1_CRC_LENGTH: i32 = 2;
/** The longest block: prologue, 254 bytes of INF, a CRC. */
export const T1_MAX_BLOCK_LENGTH: i32 = T1_PROLOGUE_LENGTH + T1_MAX_INF + T1_CRC_LENGTH;

// PCB (§11.3.2.2). b8 = 0: I-block; b8 b7 = 10: R-block; b8 b7 = 11: S-block.
export const PCB_KIND_MASK: i32 = 0xc0;
export const PCB_R_BLOCK: i32 = 0x80;
export const PCB_S_BLOCK: i32 = 0xc0;
/** I-block: b7 the send sequence number N(S), b6 the more-data bit M, b5..b1 RFU. */
export const PCB_I_NS: i32 = 0x40;
export const PCB_I_MORE: i32 = 0x20;
export const PCB_I_RFU: i32 = 0x1f;
/** R-block: b6 RFU, b5 the expected sequence number N(R), b4..b1 the error (T1RError). */
export const PCB_R_RFU: i32 = 0x20;
export const PCB_R_NR: i32 = 0x10;
export const PCB_R_ERROR_MASK: i32 = 0x0f;
/** S-block: b6 set in a response, b5..b1 the type (T1SType). */
export const PCB_S_RESPONSE: i32 = 0x20;
export const PCB_S_TYPE_MASK: i32 = 0x1f;

export enum T1BlockKind {
  I = 0,
  R = 1,
  S = 2,
}

export function t1BlockKind(pcb: i32): T1BlockKind {
  if ((pcb & 0x80) == 0) return T1BlockKind.I;
  return (pcb & PCB_KIND_MASK) == PCB_R_BLOCK ? T1BlockKind.R : T1BlockKind.S;
}

/** S-block types (PCB b5..b1). IFS and WTX carry one INF byte, RESYNCH and ABORT none. */
export enum T1SType {
  Resynch = 0x00,
  Ifs = 0x01,
  Abort = 0x02,
  Wtx = 0x03,
}

/** R-block error indication (PCB b4..b1). */
export enum T1RError {
  None = 0,
  /** EDC or parity error. */
  Edc = 1,
  /** Other errors. */
  Other = 2,
}

/**
 * The NAD of a block answering `nad` (§11.3.2.1): source (b3..b1) and destination (b7..b5)
 * addresses swapped.
 */
export function t1ReplyNad(nad: i32): i32 {
  return ((nad & 0x07) << 4) | ((nad >> 4) & 0x07);
}

// Epilogue (§11.3.3, §11.4.4). The first TC for T=1 in the ATR chooses: b1 = 0 LRC, 1 CRC.

export function t1EdcLength(crc: bool): i32 {
  return crc ? T1_CRC_LENGTH : T1_LRC_LENGTH;
}

/** LRC: the XOR of every prologue and INF byte. Start from 0, feed each byte. */
export function t1LrcUpdate(lrc: i32, byte: i32): i32 {
  return (lrc ^ byte) & 0xff;
}

/**
 * The CRC as libccid computes it (openct/checksum.c), and stock pcscd runs T=1 with it in compat
 * mode: CRC-16 with the reflected polynomial 0x8408, initial value FFFF, no final XOR, sent high
 * byte first. Start from T1_CRC_INITIAL, feed each prologue and INF byte.
 */
export const T1_CRC_INITIAL: i32 = 0xffff;
export const T1_CRC_POLYNOMIAL_REFLECTED: i32 = 0x8408;

export function t1CrcUpdate(crc: i32, byte: i32): i32 {
  let c: i32 = (crc ^ (byte & 0xff)) & 0xffff;
  for (let bit: i32 = 0; bit < 8; bit++)
    c = (c & 1) != 0 ? (c >> 1) ^ T1_CRC_POLYNOMIAL_REFLECTED : c >> 1;
  return c;
}

// Turnaround (ISO 7816-3 §7.2): in T=0, at least 16 etu between the leading edges of two
// characters sent in opposite directions; T=1 has BGT (T1_BGT_ETU) instead.
export const T0_TURNAROUND_ETU: i32 = 16;
