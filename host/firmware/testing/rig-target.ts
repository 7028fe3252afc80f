// Test support (never imported by production code): an UpdateTarget over the simulator's update
// rig (simulator/boot/update-rig.ts), counting the escapes sent per command.
import type { UpdateRig } from '../../../simulator/boot/update-rig.ts';
import type { UpdateTarget } from '../target.ts';

export interface CountingTarget extends UpdateTarget {
  /** Escapes sent, by command byte. */
  readonly sent: Map<number, number>;
}

export function rigTarget(rig: UpdateRig): CountingTarget {
  const sent = new Map<number, number>();
  return {
    name: rig.name,
    sent,
    escape: (bytes) => {
      sent.set(bytes[2], (sent.get(bytes[2]) ?? 0) + 1);
      return rig.escape(bytes);
    },
    reconnect: () => rig.whenRunning(),
  };
}
