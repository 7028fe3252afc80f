// Diagnostics (VendorCommand.Diagnostics): reader-wide counters as TLVs (DiagnosticsTag). The
// per-slot counters (parity errors, timeouts, warm resets, T=1 retransmissions and resynchs,
// activations) need counters from the ISO 7816-3 layer, which it does not expose yet.
import { DiagnosticsTag } from '../../../protocol/native-constants';
import { framesReceived, frameErrors, naksSent, garbageBytes } from '../diag/counters';
import { uptimeSeconds } from '../diag/uptime';
import { tlvU32 } from './tlv';

export function diagnostics(out: usize): i32 {
  let p = out;
  p += tlvU32(p, DiagnosticsTag.HostFramesReceived, framesReceived());
  p += tlvU32(p, DiagnosticsTag.HostFrameErrors, frameErrors());
  p += tlvU32(p, DiagnosticsTag.HostNaksSent, naksSent());
  p += tlvU32(p, DiagnosticsTag.HostGarbageBytes, garbageBytes());
  p += tlvU32(p, DiagnosticsTag.Uptime, uptimeSeconds());
  return <i32>(p - out);
}
