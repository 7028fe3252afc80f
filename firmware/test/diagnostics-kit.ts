// Diagnostics as a test expects it of a slot nothing has happened on: every per-slot line counter
// (protocol/native/diagnostics.ts SlotDiagnostics) at 0.
import type { SlotDiagnostics } from '../../protocol/native/diagnostics.ts';

export function idleSlot(slot: number): SlotDiagnostics {
  return {
    slot,
    parityErrors: 0,
    timeouts: 0,
    warmResets: 0,
    t1Retransmissions: 0,
    t1Resynchs: 0,
    activations: 0,
  };
}
