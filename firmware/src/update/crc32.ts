// CRC-32 as zlib computes it (reflected polynomial 0xEDB88320, initial value and final XOR
// 0xFFFFFFFF): the checksum of UpdateWrite (PROTOCOL.md "Firmware update") and of the records
// in flash (FLASH.md). The table is built on first use, in static memory.
const table = memory.data(256 * 4);
let tableReady = false;

function buildTable(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(table + ((<usize>n) << 2), c);
  }
  tableReady = true;
}

export function crc32(ptr: usize, len: i32): u32 {
  return crc32Continue(0, ptr, len);
}

/** The CRC-32 of earlier bytes whose CRC-32 was `crc`, followed by these: crc32 in pieces. */
export function crc32Continue(crc: u32, ptr: usize, len: i32): u32 {
  if (!tableReady) buildTable();
  let c: u32 = crc ^ 0xffffffff;
  for (let i = 0; i < len; i++) {
    const b = <u32>load<u8>(ptr + <usize>i);
    c = load<u32>(table + ((<usize>((c ^ b) & 0xff)) << 2)) ^ (c >>> 8);
  }
  return c ^ 0xffffffff;
}
