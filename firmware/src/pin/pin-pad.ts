// Secure PIN entry on the reader's keypad: a PC_to_RDR_Secure runs here from its checked request
// (pin-request.ts) through the keys of each PIN (current, new, confirmation) to the command the
// reader builds (pin-block.ts) and sends to the card itself. Digits exist only in `digits` and,
// for the moment the command is built and handed to the slot layer, in `command`; both are
// wiped as soon as they are no longer needed, whatever ends the entry. The host learns how many
// digits were typed (PinProgress, native profile), never which.
//
// Ends of an entry: Enter (bEntryValidationCondition bit 1), the maximum reached (bit 0), the
// timeout (bit 2: a timeout with enough digits validates; otherwise bError PIN_TIMEOUT),
// Cancel (PIN_CANCELLED), too few or too many digits (PinPadError.Length), two different new
// PINs (PinPadError.Mismatch), the host's Abort (CMD_ABORTED), the card pulled (ICC_MUTE).
import { timer_set, timer_cancel } from '../hal';
import { Key } from '../../hal-constants';
import {
  CcidError,
  ProtocolNum,
  PinPadError,
  PIN_PAD_SW1,
  PinPadSw2,
} from '../../../protocol/ccid-constants';
import {
  PinStage,
  VENDOR_MAGIC_0,
  VENDOR_MAGIC_1,
  VendorCommand,
  VendorStatus,
} from '../../../protocol/native-constants';
import { TIMER_PIN } from '../timers';
import { slotTransmit, slotGetParameters } from '../ccid/slot-ops';
import { buildBlock } from '../iso/t1-block';
import { T1BlockKind, t1BlockKind } from '../../../protocol/t1-constants';
import { configPinTimeoutSeconds } from '../config/index';
import { beepKeyClick, beepKeyRefused, beepOutcome } from './pin-beeper';
import { PIN_MAX_DIGITS, PIN_INTER_KEY_TIMEOUT_S } from './pin-constants';
import {
  readPinRequest,
  clearPinRequest,
  APDU_CAPACITY,
  REFUSED,
  modify,
  timeoutS,
  minDigits,
  maxDigits,
  validation,
  langId,
  stageCount,
  stageKind,
  stageMessage,
  teoNad,
  teoPcb,
} from './pin-request';
import { buildPinCommand } from './pin-block';
import {
  Outcome,
  displayInit,
  showPrompt,
  showStars,
  showWaiting,
  showOutcome,
} from './pin-display';
import { keypadLatch } from './keypad-latch';

/** (slot, error, ptr, len): the Secure command's answer, as the slot layer's slotDone. */
export type PinDoneHandler = (slot: i32, error: i32, ptr: usize, len: i32) => void;

enum PadState {
  Idle,
  /** Keys go into the PIN of stage `stage`. */
  Entry,
  /** The command is with the card; its answer ends the Secure. */
  Card,
}

const VALIDATE_MAX: i32 = 0x01;
const VALIDATE_KEY: i32 = 0x02;
const VALIDATE_TIMEOUT: i32 = 0x04;
/** Keys beyond the maximum are counted (the entry then fails on Enter), up to this many. */
const MAX_EXTRA_KEYS: i32 = 99;

let state: PadState = PadState.Idle;
let padSlot: i32 = -1;
let native: bool = false;
let t1Block: bool = false;
let crc: bool = false;
let stage: i32 = 0;
let extra: i32 = 0;
/** Digits 0..9 of each PIN kind (PinStage), PIN_MAX_DIGITS each, and their counts. */
const digits = memory.data(3 * PIN_MAX_DIGITS);
const counts = memory.data(3 * 4);
const command = memory.data(APDU_CAPACITY);
const block = memory.data(APDU_CAPACITY);
const parameters = memory.data(8);
const spe = memory.data(2);

function ignoreDone(slot: i32, error: i32, ptr: usize, len: i32): void {}
let doneHandler: PinDoneHandler = ignoreDone;

export function setPinDoneHandler(done: PinDoneHandler): void {
  doneHandler = done;
}

export function pinInit(): void {
  state = PadState.Idle;
  padSlot = -1;
  wipe();
  displayInit();
}

/** A PIN entry (or its card exchange) is running on some slot. */
export function pinActive(): bool {
  return state != PadState.Idle;
}

/** Keys are being read for `slot`. */
export function pinEntryOn(slot: i32): bool {
  return state == PadState.Entry && slot == padSlot;
}

/**
 * Starts a Secure on `slot` (an active card): reads the request and asks for the first PIN.
 * Returns 0, or REFUSED | bError, in which case nothing started (no key read, no card I/O).
 */
export function pinStart(slot: i32, ptr: usize, len: i32, level: i32, nativeProfile: bool): i32 {
  if (state != PadState.Idle) return REFUSED | CcidError.CmdSlotBusy;
  const packed = slotGetParameters(slot, parameters);
  const t1 = ((packed >> 8) & 0xff) == ProtocolNum.T1;
  // In compat the host runs T=1 (TPDU level): the reader sends one block with bTeoPrologue.
  const r = readPinRequest(ptr, len, level, !nativeProfile && t1);
  if (r != 0) return r;
  native = nativeProfile;
  t1Block = !nativeProfile && t1;
  crc = t1Block && ((<i32>load<u8>(parameters, 1)) & 0x01) != 0;
  padSlot = slot;
  state = PadState.Entry;
  stage = 0;
  wipe();
  startStage();
  return 0;
}

/** PinProgress for the time extension: `4B 52 60 00 <digits> <stage>`; 0 when not entering. */
export function pinProgress(slot: i32, out: usize): i32 {
  if (!pinEntryOn(slot)) return 0;
  let n = count(stageKind(stage)) + extra;
  if (n > 0xff) n = 0xff;
  store<u8>(out, VENDOR_MAGIC_0);
  store<u8>(out, VENDOR_MAGIC_1, 1);
  store<u8>(out, <u8>VendorCommand.PinProgress, 2);
  store<u8>(out, <u8>VendorStatus.Ok, 3);
  store<u8>(out, <u8>n, 4);
  store<u8>(out, <u8>stageKind(stage), 5);
  return 6;
}

export function pinOnKey(key: i32): void {
  if (state != PadState.Entry) {
    // Outside an entry only function keys are kept (KeypadState); during the card exchange
    // nothing is.
    if (state == PadState.Idle) keypadLatch(key);
    return;
  }
  const kind = stageKind(stage);
  const n = count(kind);
  if (key >= Key.Digit0 && key <= Key.Digit9) {
    if (extra == 0 && n < maxDigits) {
      beepKeyClick();
      store<u8>(digits + <usize>(kind * PIN_MAX_DIGITS + n), <u8>key);
      setCount(kind, n + 1);
      if (n + 1 == maxDigits && (validation & VALIDATE_MAX) != 0) {
        showStars(n + 1);
        endStage();
        return;
      }
    } else {
      beepKeyRefused();
      if (extra < MAX_EXTRA_KEYS) extra++;
    }
    showStars(count(kind) + extra);
  } else if (key == Key.Backspace) {
    beepKeyClick();
    if (extra > 0) extra--;
    else if (n > 0) {
      store<u8>(digits + <usize>(kind * PIN_MAX_DIGITS + n - 1), 0);
      setCount(kind, n - 1);
    }
    showStars(count(kind) + extra);
  } else if (key == Key.Clear) {
    beepKeyClick();
    wipeStage(kind);
    showStars(0);
  } else if (key == Key.Enter) {
    if ((validation & VALIDATE_KEY) == 0) return;
    beepKeyClick();
    endStage();
    return;
  } else if (key == Key.Cancel) {
    beepKeyClick();
    fail(CcidError.PinCancelled, Outcome.Cancelled);
    return;
  } else {
    return; // F1..F4 and unknown codes: nothing during an entry
  }
  armTimer(false);
}

/** TIMER_PIN: the holder stopped typing. */
export function pinOnTimer(): void {
  if (state != PadState.Entry) return;
  const n = count(stageKind(stage)) + extra;
  if (n > 0 && (validation & VALIDATE_TIMEOUT) != 0) endStage();
  else fail(CcidError.PinTimeout, Outcome.Timeout);
}

/** PC_to_RDR_Abort for `slot`: an entry ends at once (a card exchange is the slot layer's). */
export function pinAbort(slot: i32): void {
  if (pinEntryOn(slot)) fail(CcidError.CmdAborted, Outcome.Aborted);
}

/** The card left `slot`. */
export function pinOnRemoved(slot: i32): void {
  if (pinEntryOn(slot)) fail(CcidError.IccMute, Outcome.CardRemoved);
}

/**
 * The card answered the command (or the exchange failed): shows the outcome. Called by the
 * CCID layer before it answers the Secure; ignores anything but the pending exchange.
 */
export function pinOnCardDone(slot: i32, error: i32, ptr: usize, len: i32): void {
  if (state != PadState.Card || slot != padSlot) return;
  state = PadState.Idle;
  padSlot = -1;
  if (error == CcidError.CmdAborted) {
    finish(Outcome.Aborted, 0);
    return;
  }
  if (error != 0) {
    finish(Outcome.CardError, 0);
    return;
  }
  // The status word: the last two bytes of the response, or of a T=1 I-block's INF.
  let end = len;
  if (t1Block) {
    if (len < 5 || t1BlockKind(<i32>load<u8>(ptr + 1)) != T1BlockKind.I) {
      showWaiting(langId); // an R- or S-block: the host carries on
      return;
    }
    end = 3 + <i32>load<u8>(ptr + 2);
    if (end > len) end = len;
  }
  if (end < 2) {
    finish(Outcome.CardError, 0);
    return;
  }
  const sw1 = <i32>load<u8>(ptr + <usize>(end - 2));
  const sw2 = <i32>load<u8>(ptr + <usize>(end - 1));
  if (sw1 == 0x90 && sw2 == 0x00) {
    finish(modify ? Outcome.Changed : Outcome.Verified, 0);
  } else if (sw1 == 0x63 && (sw2 & 0xf0) == 0xc0) {
    const tries = sw2 & 0x0f;
    finish(tries == 0 ? Outcome.Blocked : Outcome.WrongPin, tries);
  } else if (sw1 == 0x69 && sw2 == 0x83) {
    finish(Outcome.Blocked, 0);
  } else {
    finish(Outcome.CardRefused, 0);
  }
}

/** Shows how the entry ended and sounds it (nothing for the host's own Abort). */
function finish(outcome: Outcome, triesLeft: i32): void {
  showOutcome(langId, outcome, triesLeft);
  if (outcome != Outcome.Aborted)
    beepOutcome(outcome == Outcome.Verified || outcome == Outcome.Changed);
}

// ---- stages ----

function startStage(): void {
  extra = 0;
  setCount(stageKind(stage), 0);
  showPrompt(langId, stageMessage(stage));
  armTimer(true);
}

function endStage(): void {
  const kind = stageKind(stage);
  const n = count(kind);
  if (extra > 0 || n < minDigits) {
    fail(PinPadError.Length, Outcome.WrongLength);
    return;
  }
  stage++;
  if (stage < stageCount) {
    startStage();
    return;
  }
  if (modify && stageCount > 0 && stageKind(stageCount - 1) == PinStage.Confirm) {
    if (!samePin(PinStage.New, PinStage.Confirm)) {
      fail(PinPadError.Mismatch, Outcome.Mismatch);
      return;
    }
  }
  send();
}

/** Builds the command, wipes the digits, and hands it to the slot layer (which copies it). */
function send(): void {
  timer_cancel(TIMER_PIN);
  const hasOld = stageKind(0) == PinStage.Current;
  const oldCount = hasOld ? count(PinStage.Current) : -1;
  const newCount = modify ? count(PinStage.New) : -1;
  let n = buildPinCommand(
    command,
    digits + <usize>(PinStage.Current * PIN_MAX_DIGITS),
    oldCount,
    digits + <usize>(PinStage.New * PIN_MAX_DIGITS),
    newCount,
  );
  wipeDigits();
  let out = command;
  if (t1Block) {
    n = buildBlock(block, teoNad, teoPcb, command, n, crc);
    memory.fill(command, 0, <usize>APDU_CAPACITY);
    out = block;
  }
  state = PadState.Card;
  clearPinRequest();
  showWaiting(langId);
  slotTransmit(padSlot, out, n, native);
  memory.fill(command, 0, <usize>APDU_CAPACITY);
  memory.fill(block, 0, <usize>APDU_CAPACITY);
}

/** Ends the entry without card I/O and answers the Secure with `error`. */
function fail(error: i32, outcome: Outcome): void {
  timer_cancel(TIMER_PIN);
  wipe();
  clearPinRequest();
  const slot = padSlot;
  state = PadState.Idle;
  padSlot = -1;
  finish(outcome, 0);
  if (!native && (error == PinPadError.Length || error == PinPadError.Mismatch)) {
    // compat: libccid turns only F0 and EF into part 10 status words and any other bError into
    // a communication error; so the reader answers with the status word, as the IFD handler would.
    store<u8>(spe, <u8>PIN_PAD_SW1);
    store<u8>(spe, <u8>(error == PinPadError.Length ? PinPadSw2.Length : PinPadSw2.Mismatch), 1);
    doneHandler(slot, 0, spe, 2);
    return;
  }
  doneHandler(slot, error, 0, 0);
}

/**
 * First key: bTimeOut, or with 0 the reader's PIN timeout (configuration area, 30 s by default);
 * later keys: at most PIN_INTER_KEY_TIMEOUT_S apart.
 */
function armTimer(first: bool): void {
  let s = timeoutS == 0 ? configPinTimeoutSeconds() : timeoutS;
  if (!first && s > PIN_INTER_KEY_TIMEOUT_S) s = PIN_INTER_KEY_TIMEOUT_S;
  timer_set(TIMER_PIN, s * 1000);
}

// ---- digits ----

function count(kind: i32): i32 {
  return load<i32>(counts + ((<usize>kind) << 2));
}

function setCount(kind: i32, n: i32): void {
  store<i32>(counts + ((<usize>kind) << 2), n);
}

function samePin(a: i32, b: i32): bool {
  const n = count(a);
  if (n != count(b)) return false;
  let diff = 0;
  for (let i = 0; i < n; i++) {
    diff |=
      (<i32>load<u8>(digits + <usize>(a * PIN_MAX_DIGITS + i))) ^
      (<i32>load<u8>(digits + <usize>(b * PIN_MAX_DIGITS + i)));
  }
  return diff == 0;
}

function wipeStage(kind: i32): void {
  memory.fill(digits + <usize>(kind * PIN_MAX_DIGITS), 0, <usize>PIN_MAX_DIGITS);
  setCount(kind, 0);
  extra = 0;
}

function wipeDigits(): void {
  memory.fill(digits, 0, <usize>(3 * PIN_MAX_DIGITS));
  memory.fill(counts, 0, 3 * 4);
  extra = 0;
}

function wipe(): void {
  wipeDigits();
  memory.fill(command, 0, <usize>APDU_CAPACITY);
  memory.fill(block, 0, <usize>APDU_CAPACITY);
}
