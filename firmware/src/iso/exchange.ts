// XfrBlock on an active card: which state machine runs it, its whole-exchange limit, and its
// completion.
//
// TPDU level (compat profile): a PPS request right after the ATR (the host's, FF …), one T=0
// TPDU, or one T=1 block. APDU level (native profile): one whole APDU over T=0 or T=1.
//
// The limit: ISO 7816-3 bounds each wait (WWT between two characters, BWT before a block) but
// not the exchange — a card may send NULL procedure bytes or S(WTX) requests for ever, and each
// restarts the wait and sends the host a time extension. The slot timer bounds the whole
// exchange at the configured limit (ConfigTag.ExchangeLimit, EXCHANGE_LIMIT_DEFAULT_S until
// provisioned); when it fires the exchange ends with ICC_MUTE and the card is deactivated (it is
// mid-command and would not listen to a next one), so the host powers it again.
//
// Out of step: a T=0 APDU whose TPDU broke off (a character lost after its repetitions, an
// overrun, a procedure byte conflict, WWT) or was aborted leaves the card in an unknown state,
// perhaps still waiting for a character it missed; the next command's header would complete
// this one and its answer would be taken for the next's. Such an exchange ends with the card
// deactivated too (README: Decisions).
import {
  CcidError,
  ProtocolNum,
  ERROR_INDEX_LENGTH,
  ERROR_INDEX_DATA,
} from '../../../protocol/ccid-constants';
import { DiagnosticsTag, EXCHANGE_LIMIT_DEFAULT_S } from '../../../protocol/native-constants';
import { card_clock, card_wait, timer_set, timer_cancel } from '../hal';
import { slotDone } from '../ccid/slot-events';
import { TIMER_SLOT_BASE } from '../timers';
import {
  PENDING,
  PPSS,
  PPS_MAX_LENGTH,
  T0_HEADER_LENGTH,
  T0_MAX_DATA,
  CLOCK_RESTART_MS,
  MAX_RESPONSE_LENGTH,
} from './iso7816';
import { Slot, Phase, Operation } from './slot-state';
import { fiDiSupported } from './parameters';
import { deactivate } from './activation';
import { count } from './counters';

/** Where the whole-exchange limit comes from, in ms: the configuration in the firmware. */
export type ExchangeLimitSource = () => i32;

function defaultExchangeLimitMs(): i32 {
  return EXCHANGE_LIMIT_DEFAULT_S * 1000;
}

let exchangeLimitMs: ExchangeLimitSource = defaultExchangeLimitMs;

/** Called once from init (a plain function reference, read at the start of each exchange). */
export function setExchangeLimitSource(source: ExchangeLimitSource): void {
  exchangeLimitMs = source;
}

/** The whole-exchange limit in force, ms (also bounds the activation's S(IFS) exchange). */
export function exchangeLimit(): i32 {
  return exchangeLimitMs();
}

export function startTransmit(s: Slot, ptr: usize, len: i32, apduLevel: bool): void {
  memory.copy(s.command, ptr, <usize>len);
  s.commandLength = len;
  s.exchangeApdu = apduLevel;
  s.operation = Operation.Transmit;
  if (s.clockStopped) {
    card_clock(s.index, s.clockKhz);
    s.clockStopped = false;
    s.phase = Phase.ClockRestart;
    timer_set(TIMER_SLOT_BASE + s.index, CLOCK_RESTART_MS);
    return;
  }
  runTransmit(s);
}

export function runTransmit(s: Slot): void {
  const len = s.commandLength;
  const apdu = s.exchangeApdu;
  // From here the slot timer is the whole-exchange bound (complete() cancels it).
  timer_set(TIMER_SLOT_BASE + s.index, exchangeLimitMs());
  if (!apdu && s.hostPpsAllowed && load<u8>(s.command) == PPSS) {
    s.hostPpsAllowed = false;
    if (len < 3 || len > PPS_MAX_LENGTH) {
      complete(s, ERROR_INDEX_LENGTH, 0, 0);
      return;
    }
    s.phase = Phase.Pps;
    s.pps.startRaw(s.command, len);
    return;
  }
  if (s.hostPpsAllowed) {
    // No PPS came: the session runs at the ATR's parameters, in the protocol's frame.
    s.hostPpsAllowed = false;
    s.params.applyUart(s.index, s.params.protocol == ProtocolNum.T1);
  }
  let r: i32;
  if (s.params.protocol == ProtocolNum.T1) {
    s.phase = Phase.T1;
    // The R-APDU: up to MAX_APDU_DATA bytes of data and SW1 SW2 (the response buffer's size).
    r = apdu
      ? s.t1.startApdu(s.command, len, MAX_RESPONSE_LENGTH)
      : s.t1.startBlock(s.command, len);
  } else {
    s.phase = Phase.T0;
    r = apdu ? s.t0Apdu.start(s.command, len) : startT0Tpdu(s);
  }
  if (r != PENDING) complete(s, r, 0, 0);
}

/** TPDU level, T=0: CLA INS P1 P2 [P3 [data]] as the host built it. */
function startT0Tpdu(s: Slot): i32 {
  const len = s.commandLength;
  if (len < 4) return ERROR_INDEX_LENGTH;
  const t0 = s.t0;
  memory.copy(t0.header, s.command, 4);
  const p3 = len > 4 ? <i32>load<u8>(s.command + 4) : 0;
  store<u8>(t0.header + 4, <u8>p3);
  t0.destination = s.response;
  t0.received = 0;
  t0.capacity = T0_MAX_DATA;
  if (len <= T0_HEADER_LENGTH) {
    // Case 1 (4 bytes: no data either way) or case 2 (P3 bytes from the card, 0 → 256).
    t0.start(false, 0, len == 4 ? 0 : p3 == 0 ? T0_MAX_DATA : p3);
    return PENDING;
  }
  if (p3 != len - T0_HEADER_LENGTH) return ERROR_INDEX_DATA + 4; // P3 ≠ the data length
  t0.start(true, s.command + T0_HEADER_LENGTH, p3);
  return PENDING;
}

export function t0OnByte(s: Slot, byte: i32, status: i32): void {
  t0Result(s, s.t0.onByte(byte, status));
}

export function t0OnTimeout(s: Slot): void {
  t0Result(s, s.t0.onTimeout());
}

function t0Result(s: Slot, result: i32): void {
  let r = result;
  if (r == PENDING) return;
  if (s.exchangeApdu) {
    if (r == 0) r = s.t0Apdu.onTpduDone();
    // The TPDU broke off (parity, overrun, procedure byte conflict, WWT): the card may still be
    // mid-command, waiting for a character it missed or about to answer late, and would take the
    // next command's characters for this one's. Never pass it another command: deactivated, the
    // error goes up with the card inactive, and the host powers it again (PROTOCOL.md §5).
    else deactivate(s);
    if (r == PENDING) return;
    complete(s, r, s.response, s.t0Apdu.responseLength);
    return;
  }
  const n = s.t0.received;
  store<u8>(s.response + <usize>n, <u8>s.t0.sw1);
  store<u8>(s.response + <usize>n + 1, <u8>s.t0.sw2);
  complete(s, r, s.response, n + 2);
}

export function t1Result(s: Slot, result: i32): void {
  if (result == PENDING) return;
  complete(s, result, s.t1.answer(), s.t1.answerLength());
}

/** The host's PPS: the card's response goes back as it is; on success the UART follows it. */
export function hostPpsResult(s: Slot, result: i32): void {
  if (result == PENDING) return;
  card_wait(s.index, 0);
  if (result != 0) {
    complete(s, result, 0, 0);
    return;
  }
  const fiDi = s.pps.accepted();
  if (fiDi >= 0 && fiDiSupported(fiDi)) {
    s.params.fiDi = fiDi;
    s.params.protocol = s.pps.protocol() == 1 ? ProtocolNum.T1 : ProtocolNum.T0;
    s.params.applyUart(s.index, s.params.protocol == ProtocolNum.T1);
    s.t1.reset();
  }
  complete(s, 0, s.pps.response, s.pps.responseLength);
}

/** Ends the exchange in progress; the buffer that held the command (maybe a PIN) is wiped. */
export function complete(s: Slot, error: i32, ptr: usize, len: i32): void {
  timer_cancel(TIMER_SLOT_BASE + s.index);
  if (s.t1.dead)
    deactivate(s); // T=1 recovery gave up (deactivate clears `dead`)
  else if (s.phase != Phase.Off) s.phase = Phase.Active;
  s.operation = Operation.None;
  memory.fill(s.command, 0, <usize>s.commandLength);
  s.commandLength = 0;
  s.t1.wipe();
  if (error == 0) slotDone(s.index, 0, ptr, len);
  else slotDone(s.index, error, 0, 0);
}

/**
 * The whole-exchange limit ran out (the slot timer in phase T0, T1 or the host's PPS): the card
 * is still busy with the command, so it is deactivated, and the exchange ends with ICC_MUTE.
 */
export function exchangeExpired(s: Slot): void {
  count(s.index, DiagnosticsTag.SlotTimeouts);
  deactivate(s);
  complete(s, CcidError.IccMute, 0, 0);
}

/**
 * Abort, removal: the machines stop where they are. A T=0 APDU cut off mid-TPDU leaves the card
 * mid-command, as after a transmission error: deactivated. (T=1 starts its next APDU with
 * RESYNCH; at TPDU level the host runs the protocol and decides.)
 */
export function abortTransmit(s: Slot, error: i32): void {
  if (s.exchangeApdu && s.phase == Phase.T0) deactivate(s);
  if (s.phase != Phase.Off) card_wait(s.index, 0);
  s.t0.stop();
  s.t1.abort();
  complete(s, error, 0, 0);
}
