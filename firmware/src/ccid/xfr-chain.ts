// XfrBlock command chaining at APDU level (iso7816-and-ccid.md §B5): wLevelParameter 1 begins an
// APDU, 3 continues it, 2 ends it; each part but the last is answered with an empty DataBlock
// whose bChainParameter is 0x10. One assembly buffer per slot, so slots chain independently.
import { SLOT_COUNT } from '../../hal-constants';
import { MAX_EXTENDED_APDU_LENGTH } from '../../../protocol/serial-constants';

/** The longest APDU: an extended case 4 with MAX_APDU_DATA bytes (protocol/serial-constants.ts). */
export const APDU_CAPACITY: i32 = MAX_EXTENDED_APDU_LENGTH;

const buffers = memory.data(SLOT_COUNT * MAX_EXTENDED_APDU_LENGTH);
/** Bytes assembled per slot; -1 when no chain is open. */
const lengths = memory.data(SLOT_COUNT * 4);

function lengthAt(slot: i32): usize {
  return lengths + ((<usize>slot) << 2);
}

export function chainPtr(slot: i32): usize {
  return buffers + <usize>slot * <usize>APDU_CAPACITY;
}

export function chainsInit(): void {
  for (let s = 0; s < SLOT_COUNT; s++) chainReset(s);
}

export function chainReset(slot: i32): void {
  store<i32>(lengthAt(slot), -1);
}

export function chainOpen(slot: i32): bool {
  return load<i32>(lengthAt(slot)) >= 0;
}

export function chainLength(slot: i32): i32 {
  const n = load<i32>(lengthAt(slot));
  return n < 0 ? 0 : n;
}

/** Opens a chain with its first part; false (and no chain) if it does not fit. */
export function chainBegin(slot: i32, ptr: usize, len: i32): bool {
  store<i32>(lengthAt(slot), 0);
  return chainAppend(slot, ptr, len);
}

/** Appends a part; false (and the chain dropped) if no chain is open or the APDU is too long. */
export function chainAppend(slot: i32, ptr: usize, len: i32): bool {
  const have = load<i32>(lengthAt(slot));
  if (have < 0 || len < 0 || len > APDU_CAPACITY - have) {
    chainReset(slot);
    return false;
  }
  memory.copy(chainPtr(slot) + <usize>have, ptr, <usize>len);
  store<i32>(lengthAt(slot), have + len);
  return true;
}
