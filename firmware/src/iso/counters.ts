// Per-slot line counters for the Diagnostics escape (protocol/native-constants.ts DiagnosticsTag
// 0x01..0x06): what went wrong on each card line since power-on (or the last reset of the
// counters). u32, wrapping at 2^32; the host reads differences. Static memory, no allocation.
import { DiagnosticsTag } from '../../../protocol/native-constants';
import { SLOT_COUNT } from '../../hal-constants';

/** Counters per slot: one per DiagnosticsTag from SlotParityErrors to SlotActivations. */
const COUNTERS: i32 = DiagnosticsTag.SlotActivations - DiagnosticsTag.SlotParityErrors + 1;
const table = memory.data(SLOT_COUNT * COUNTERS * 4);

function at(slot: i32, tag: i32): usize {
  return table + <usize>((slot * COUNTERS + tag - DiagnosticsTag.SlotParityErrors) << 2);
}

function known(slot: i32, tag: i32): bool {
  return (
    slot >= 0 &&
    slot < SLOT_COUNT &&
    tag >= DiagnosticsTag.SlotParityErrors &&
    tag <= DiagnosticsTag.SlotActivations
  );
}

/** Adds one to the counter `tag` (a per-slot DiagnosticsTag) of `slot`; others are ignored. */
export function count(slot: i32, tag: i32): void {
  if (!known(slot, tag)) return;
  const p = at(slot, tag);
  store<u32>(p, load<u32>(p) + 1);
}

/** The counter `tag` of `slot`; 0 for a tag that is not per slot or a slot that does not exist. */
export function counter(slot: i32, tag: i32): u32 {
  return known(slot, tag) ? load<u32>(at(slot, tag)) : 0;
}

/** Every slot counter back to 0 (power-on, DiagnosticsReset). */
export function countersClear(): void {
  memory.fill(table, 0, <usize>(SLOT_COUNT * COUNTERS * 4));
}
