// IccPowerOn from the reset to a usable card: the ATR's verdict, one warm reset after a bad or
// missing ATR, the class indicator, specific or negotiable mode (ISO 7816-3 §8.3), and at APDU
// level the reader's own PPS (§9) and the T=1 IFSD exchange (§11.4.2).
import {
  CcidError,
  PowerSelect,
  ProtocolNum,
  ERROR_INDEX_PARAMETER,
} from '../../../protocol/ccid-constants';
import { fmaxKhzFromCode } from '../../../protocol/iso7816-tables';
import { VoltageClass } from '../../hal-constants';
import { card_present, card_wait, timer_set, timer_cancel } from '../hal';
import { slotDone } from '../ccid/slot-events';
import { TIMER_SLOT_BASE } from '../timers';
import { PENDING, ATR_MAX_DURATION_ETU } from './iso7816';
import { ATR_MAX_CHARACTER_GAP_ETU, DEFAULT_F } from '../../../protocol/iso7816-tables';
import { Slot, Phase, Operation } from './slot-state';
import { TA2_UNABLE_TO_CHANGE } from './atr-info';
import { fiDiSupported } from './parameters';
import { choosePps1 } from './pps';
import { exchangeLimit } from './exchange';
import {
  classForPowerSelect,
  classBit,
  nextClass,
  coldReset,
  warmReset,
  deactivate,
  reactivateLater,
} from './activation';

/** The whole ATR in ms at the activation clock (F = 372, D = 1), rounded up. */
function atrDurationMs(clockKhz: i32): i32 {
  return (ATR_MAX_DURATION_ETU * DEFAULT_F + clockKhz - 1) / clockKhz + 1;
}

/** The UART can run this FI/DI, and the activation clock is within its fmax. */
function runnable(fiDi: i32, clockKhz: i32): bool {
  return fiDiSupported(fiDi) && fmaxKhzFromCode(fiDi >> 4) >= clockKhz;
}

export function startPowerOn(s: Slot, powerSelect: i32, apduLevel: bool): void {
  const voltage = classForPowerSelect(powerSelect);
  if (voltage == VoltageClass.Off) {
    slotDone(s.index, ERROR_INDEX_PARAMETER, 0, 0);
    return;
  }
  if (card_present(s.index) == 0) {
    deactivate(s);
    slotDone(s.index, CcidError.IccMute, 0, 0);
    return;
  }
  s.operation = Operation.PowerOn;
  s.apduLevel = apduLevel;
  s.autoClass = powerSelect == PowerSelect.Automatic;
  s.voltage = voltage;
  s.warmResetDone = false;
  s.ppsFailed = false;
  s.hostPpsAllowed = false;
  if (s.phase == Phase.Off) coldReset(s);
  else reactivateLater(s); // powered: a fresh cold reset, maybe at another class
}

export function atrOnByte(s: Slot, byte: i32, status: i32): void {
  const r = s.atrReader.onByte(byte, status);
  if (r != PENDING) {
    atrEnd(s, r);
    return;
  }
  if (s.atrReader.length == 1) {
    // TS is in: now at most 9600 etu between characters, and a bound on the whole ATR.
    card_wait(s.index, ATR_MAX_CHARACTER_GAP_ETU);
    timer_set(TIMER_SLOT_BASE + s.index, atrDurationMs(s.clockKhz));
  }
}

/** No TS within 40 000 clocks, a gap over 9600 etu, or the whole-ATR bound: the card is mute. */
export function atrOnTimeout(s: Slot): void {
  atrEnd(s, CcidError.IccMute);
}

function atrEnd(s: Slot, result: i32): void {
  timer_cancel(TIMER_SLOT_BASE + s.index);
  card_wait(s.index, 0);
  let r = result;
  if (r == 0) r = s.info.decode(s.atr, s.atrReader.length);
  if (r != 0) {
    atrFailed(s, r);
    return;
  }
  // §6.2.4: a class indicator without the current class — deactivate, try a class it lists.
  const classes = s.info.classes;
  if (classes != 0 && (classes & classBit(s.voltage)) == 0) {
    const next = s.autoClass ? nextClass(s.voltage, classes) : VoltageClass.Off;
    if (next == VoltageClass.Off) {
      failPowerOn(s, CcidError.IccClassNotSupported);
      return;
    }
    s.voltage = next;
    s.warmResetDone = false;
    reactivateLater(s);
    return;
  }
  // §8.3: specific mode at values the reader cannot run. With TA2 b8 = 0 the card can change
  // to negotiable mode after a warm reset.
  if (s.info.specific() && !runnable(s.info.initialFiDi(), s.clockKhz)) {
    if ((s.info.ta2 & TA2_UNABLE_TO_CHANGE) == 0 && !s.warmResetDone) {
      s.warmResetDone = true;
      warmReset(s);
      return;
    }
    failPowerOn(s, CcidError.IccProtocolNotSupported);
    return;
  }
  startSession(s);
}

/** One warm reset after a bad or missing ATR (§6.2.3); a mute card gets the next class. */
function atrFailed(s: Slot, error: i32): void {
  // §6.2.4: with the class left to the reader, a card that sends nothing at all (no TS within
  // 40 000 clocks) is deactivated and tried at the next class at once. A card mute at a class
  // it does not support stays mute after a warm reset too, which would only add another
  // 40 000 clocks (10 ms at 4 MHz) to every class-A card's activation; EMV Book 1 likewise
  // deactivates a card that does not answer rather than resetting it warm. An ATR that started
  // and went wrong still gets its warm reset, and so does a silent card at the last class.
  if (error == CcidError.IccMute && s.autoClass && s.atrReader.length == 0) {
    const next = nextClass(s.voltage, 0);
    if (next != VoltageClass.Off) {
      s.voltage = next;
      s.warmResetDone = false;
      reactivateLater(s);
      return;
    }
  }
  if (!s.warmResetDone) {
    s.warmResetDone = true;
    warmReset(s);
    return;
  }
  if (error == CcidError.IccMute && s.autoClass) {
    const next = nextClass(s.voltage, 0);
    if (next != VoltageClass.Off) {
      s.voltage = next;
      s.warmResetDone = false;
      reactivateLater(s);
      return;
    }
  }
  failPowerOn(s, error);
}

function startSession(s: Slot): void {
  s.info.toParams(s.params, s.atrReader.inverse);
  if (s.apduLevel) {
    const pps1 = s.ppsFailed ? 0 : choosePps1(s.info, s.clockKhz);
    if (pps1 != 0) {
      s.params.applyUart(s.index, false); // the PPS runs in the frame of the ATR
      s.phase = Phase.Pps;
      s.pps.start(s.params.protocol, pps1);
      return;
    }
    negotiated(s);
    return;
  }
  // TPDU level: in negotiable mode the host may send its PPS first (ccid-over-serial.md §8a).
  s.hostPpsAllowed = !s.info.specific();
  s.params.applyUart(s.index, !s.hostPpsAllowed && s.params.protocol == ProtocolNum.T1);
  if (s.params.protocol == ProtocolNum.T1) s.t1.reset();
  finishPowerOn(s);
}

/** The reader's PPS ended: `fiDi` now in force, or -1 (silent card, wrong answer). */
export function ppsEnd(s: Slot, fiDi: i32): void {
  card_wait(s.index, 0);
  if (fiDi < 0) {
    // §9.3: reset and go on at the defaults (the warm reset's ATR gets no PPS).
    s.ppsFailed = true;
    s.warmResetDone = true;
    warmReset(s);
    return;
  }
  s.params.fiDi = fiDi;
  negotiated(s);
}

function negotiated(s: Slot): void {
  const t1 = s.params.protocol == ProtocolNum.T1;
  s.params.applyUart(s.index, t1);
  if (!t1) {
    finishPowerOn(s);
    return;
  }
  s.t1.reset();
  s.phase = Phase.T1;
  // The S(IFS) exchange is a card exchange like any other: bounded as a whole (exchange.ts).
  timer_set(TIMER_SLOT_BASE + s.index, exchangeLimit());
  s.t1.startIfs();
}

/** The power-on's S(IFS) exchange ended (or its whole-exchange bound ran out: IccMute). */
export function ifsEnd(s: Slot, result: i32): void {
  timer_cancel(TIMER_SLOT_BASE + s.index);
  if (result == 0) finishPowerOn(s);
  else failPowerOn(s, result);
}

function finishPowerOn(s: Slot): void {
  s.sessionParams.copyFrom(s.params);
  s.phase = Phase.Active;
  s.operation = Operation.None;
  slotDone(s.index, 0, s.atr, s.atrReader.length);
}

export function failPowerOn(s: Slot, error: i32): void {
  deactivate(s);
  s.operation = Operation.None;
  slotDone(s.index, error, 0, 0);
}
