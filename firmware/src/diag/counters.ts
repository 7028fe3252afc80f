// Diagnostics counters the firmware keeps about the host link (vendor escape Diagnostics).
// They wrap at 2^32; the host reads differences.

let hostFramesReceived: u32 = 0;
let hostFrameErrors: u32 = 0;
let hostNaksSent: u32 = 0;
let hostGarbageBytes: u32 = 0;

export function countFrameReceived(): void {
  hostFramesReceived++;
}
export function countFrameError(): void {
  hostFrameErrors++;
}
export function countNakSent(): void {
  hostNaksSent++;
}
export function countGarbageByte(): void {
  hostGarbageBytes++;
}

export function framesReceived(): u32 {
  return hostFramesReceived;
}
export function frameErrors(): u32 {
  return hostFrameErrors;
}
export function naksSent(): u32 {
  return hostNaksSent;
}
export function garbageBytes(): u32 {
  return hostGarbageBytes;
}

export function countersReset(): void {
  hostFramesReceived = 0;
  hostFrameErrors = 0;
  hostNaksSent = 0;
  hostGarbageBytes = 0;
}
