// How updateEscape and configEscape return: the VendorStatus in bits 0-7, the length of the reply
// payload above them (the payload only counts when the status is Ok).
export function escapeResult(status: i32, payloadLength: i32): i32 {
  return (payloadLength << 8) | (status & 0xff);
}

export function escapeStatus(result: i32): i32 {
  return result & 0xff;
}

export function escapePayloadLength(result: i32): i32 {
  return result >>> 8;
}
