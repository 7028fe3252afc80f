// The command in flight on each slot (CCID: one command per slot at a time; another one for a
// busy slot gets CMD_SLOT_BUSY). Kept in static memory: one word per field per slot.
import { SLOT_COUNT } from '../../hal-constants';

const IDLE: i32 = 0;
const pendingType = memory.data(SLOT_COUNT * 4);
const pendingSeq = memory.data(SLOT_COUNT * 4);
const pendingSpecific = memory.data(SLOT_COUNT * 4);
const pendingEcho = memory.data(SLOT_COUNT * 4);

function at(base: usize, slot: i32): usize {
  return base + ((<usize>slot) << 2);
}

export function slotCommandsInit(): void {
  for (let s = 0; s < SLOT_COUNT; s++) store<i32>(at(pendingType, s), IDLE);
}

export function slotBusy(slot: i32): bool {
  return load<i32>(at(pendingType, slot)) != IDLE;
}

/** Records the command now running on `slot` and how its answers go out. */
export function slotCommandBegin(slot: i32, type: i32, seq: i32, specific: i32, echo: bool): void {
  store<i32>(at(pendingType, slot), type);
  store<i32>(at(pendingSeq, slot), seq);
  store<i32>(at(pendingSpecific, slot), specific);
  store<i32>(at(pendingEcho, slot), echo ? 1 : 0);
}

export function slotCommandEnd(slot: i32): void {
  store<i32>(at(pendingType, slot), IDLE);
}

export function pendingCommandType(slot: i32): i32 {
  return load<i32>(at(pendingType, slot));
}
export function pendingCommandSeq(slot: i32): i32 {
  return load<i32>(at(pendingSeq, slot));
}
export function pendingCommandSpecific(slot: i32): i32 {
  return load<i32>(at(pendingSpecific, slot));
}
export function pendingCommandEcho(slot: i32): bool {
  return load<i32>(at(pendingEcho, slot)) != 0;
}
