// The LRC of libccid's serial framing (ccid-over-serial §2.2) is the XOR of the bytes before it.
// Folded eight bytes at a time: the host link's share of the instructions per card-line
// character (bench/firmware) is mostly this loop.

/** XOR of `len` bytes at `ptr`, eight at a time. */
export function xorOf(ptr: usize, len: i32): i32 {
  const end = ptr + <usize>len;
  let p = ptr;
  let wide: u64 = 0;
  while (p + 8 <= end) {
    wide ^= load<u64>(p);
    p += 8;
  }
  let x = <u32>(wide ^ (wide >> 32));
  x ^= x >> 16;
  x ^= x >> 8;
  let b = <i32>(x & 0xff);
  while (p < end) {
    b ^= <i32>load<u8>(p);
    p++;
  }
  return b;
}
