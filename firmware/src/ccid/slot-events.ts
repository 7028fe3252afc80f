// Completions from the ISO 7816-3 layer (firmware/src/iso) upward. The layer above registers its
// handlers once in `init` (the CCID command processor in the firmware; a test harness in the ISO
// layer's unit tests), like the operations tables of osmo-ccid-firmware. No closures: plain
// function references.

/** (slot, error, ptr, len): error 0 with `len` answer bytes at `ptr` (valid only during the call), or a CcidError with len 0. */
export type SlotDoneHandler = (slot: i32, error: i32, ptr: usize, len: i32) => void;
/** (slot, multiplier): the card asked for more time (T=0 NULL, T=1 WTX). */
export type SlotWaitingHandler = (slot: i32, multiplier: i32) => void;
/** (slot, present): the presence switch changed. */
export type SlotPresenceHandler = (slot: i32, present: i32) => void;

function ignoreDone(slot: i32, error: i32, ptr: usize, len: i32): void {}
function ignoreWaiting(slot: i32, multiplier: i32): void {}
function ignorePresence(slot: i32, present: i32): void {}

let doneHandler: SlotDoneHandler = ignoreDone;
let waitingHandler: SlotWaitingHandler = ignoreWaiting;
let presenceHandler: SlotPresenceHandler = ignorePresence;

export function setSlotHandlers(
  done: SlotDoneHandler,
  waiting: SlotWaitingHandler,
  presence: SlotPresenceHandler,
): void {
  doneHandler = done;
  waitingHandler = waiting;
  presenceHandler = presence;
}

/** The operation in progress on `slot` finished. */
export function slotDone(slot: i32, error: i32, ptr: usize, len: i32): void {
  doneHandler(slot, error, ptr, len);
}

/** The card needs more time: the CCID layer may send a time extension. */
export function slotWaiting(slot: i32, multiplier: i32): void {
  waitingHandler(slot, multiplier);
}

/** The presence switch of `slot` changed (after the ISO layer has handled it). */
export function slotPresence(slot: i32, present: i32): void {
  presenceHandler(slot, present);
}
