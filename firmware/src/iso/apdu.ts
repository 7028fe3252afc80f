// The command APDU cases of ISO 7816-4 §5.1: 1, 2S/2E, 3S/3E, 4S/4E, told apart by length.
import { MAX_APDU_DATA } from '../../../protocol/serial-constants';

export class Apdu {
  /** 1..4; 0 when the bytes are no valid APDU. */
  kind: i32 = 0;
  extended: bool = false;
  /** Nc, and where the data field starts. */
  nc: i32 = 0;
  dataOffset: i32 = 0;
  /** Ne (256 or 65536 for a zero Le), capped at MAX_APDU_DATA; 0 when no Le. */
  ne: i32 = 0;

  /** Returns true if the `len` bytes at `ptr` are a valid APDU. */
  parse(ptr: usize, len: i32): bool {
    this.kind = 0;
    this.extended = false;
    this.nc = 0;
    this.dataOffset = 4;
    this.ne = 0;
    if (len < 4) return false;
    if (len == 4) {
      this.kind = 1;
      return true;
    }
    const b4 = <i32>load<u8>(ptr + 4);
    if (len == 5) {
      this.kind = 2;
      this.ne = b4 == 0 ? 256 : b4;
      return true;
    }
    if (b4 != 0) {
      this.nc = b4;
      this.dataOffset = 5;
      if (len == 5 + b4) {
        this.kind = 3;
        return true;
      }
      if (len == 6 + b4) {
        this.kind = 4;
        const le = <i32>load<u8>(ptr + <usize>len - 1);
        this.ne = le == 0 ? 256 : le;
        return true;
      }
      return false;
    }
    // b4 = 0 and more bytes: extended lengths.
    if (len < 7) return false;
    this.extended = true;
    const n = ((<i32>load<u8>(ptr + 5)) << 8) | (<i32>load<u8>(ptr + 6));
    if (len == 7) {
      this.kind = 2;
      this.ne = this.cap(n == 0 ? 65536 : n);
      return true;
    }
    if (n == 0 || n > MAX_APDU_DATA) return false;
    this.nc = n;
    this.dataOffset = 7;
    if (len == 7 + n) {
      this.kind = 3;
      return true;
    }
    if (len == 9 + n) {
      this.kind = 4;
      const le =
        ((<i32>load<u8>(ptr + <usize>len - 2)) << 8) | (<i32>load<u8>(ptr + <usize>len - 1));
      this.ne = this.cap(le == 0 ? 65536 : le);
      return true;
    }
    return false;
  }

  private cap(ne: i32): i32 {
    return ne > MAX_APDU_DATA ? MAX_APDU_DATA : ne;
  }
}
