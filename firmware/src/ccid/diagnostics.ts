// Diagnostics (VendorCommand.Diagnostics): counters as TLVs (DiagnosticsTag). First the per-slot
// line counters of the ISO 7816-3 layer (parity errors, timeouts, warm resets, T=1
// retransmissions and resynchs, activations), one TLV per slot and tag, slot by slot; then the
// reader-wide host-link counters and the uptime. DiagnosticsReset clears both kinds.
import { DiagnosticsTag } from '../../../protocol/native-constants';
import { SLOT_COUNT } from '../../hal-constants';
import {
  framesReceived,
  frameErrors,
  naksSent,
  garbageBytes,
  countersReset,
} from '../diag/counters';
import { uptimeSeconds } from '../diag/uptime';
import { slotCounter, slotCountersReset } from './slot-ops';
import { tlvSlotU32, tlvU32 } from './tlv';

/** The per-slot tags: SlotParityErrors … SlotActivations (0x01–0x06). */
const FIRST_SLOT_TAG: i32 = DiagnosticsTag.SlotParityErrors;
const LAST_SLOT_TAG: i32 = DiagnosticsTag.SlotActivations;

export function diagnostics(out: usize): i32 {
  let p = out;
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    for (let tag = FIRST_SLOT_TAG; tag <= LAST_SLOT_TAG; tag++)
      p += tlvSlotU32(p, tag, slot, slotCounter(slot, tag));
  }
  p += tlvU32(p, DiagnosticsTag.HostFramesReceived, framesReceived());
  p += tlvU32(p, DiagnosticsTag.HostFrameErrors, frameErrors());
  p += tlvU32(p, DiagnosticsTag.HostNaksSent, naksSent());
  p += tlvU32(p, DiagnosticsTag.HostGarbageBytes, garbageBytes());
  p += tlvU32(p, DiagnosticsTag.Uptime, uptimeSeconds());
  return <i32>(p - out);
}

/** DiagnosticsReset: every counter, per slot and reader-wide, back to 0 (uptime runs on). */
export function diagnosticsReset(): void {
  slotCountersReset();
  countersReset();
}
