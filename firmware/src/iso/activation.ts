// Activation, reset and deactivation of the contacts (ISO 7816-3 §6.2, §6.4), and the choice of
// the voltage class (§6.2.4: lowest class first, the next one up only when the card is mute).
//
// Clock: the card clock starts at the highest frequency allowed during activation (5 MHz for
// class A, 4 MHz for B and C) and is never changed afterwards. The social security card
// specification (Part 2) forbids changing the clock after the ATR (±1 %); issue 4 asks for the
// clock to be raised to fmax(Fi) after PPS, which would break that rule, so speed comes from
// the PPS alone (../shared/design/ARCHITECTURE.md §6, kiosk-cards.md §1.1).
import { PowerSelect } from '../../../protocol/ccid-constants';
import { DiagnosticsTag } from '../../../protocol/native-constants';
import { DEFAULT_F, DEFAULT_D, ATR_MAX_DELAY_CLOCKS } from '../../../protocol/iso7816-tables';
import {
  VoltageClass,
  ACTIVATION_CLOCK_CLASS_A_KHZ,
  ACTIVATION_CLOCK_CLASS_B_KHZ,
  ACTIVATION_CLOCK_CLASS_C_KHZ,
} from '../../hal-constants';
import {
  card_power,
  card_clock,
  card_reset,
  card_uart,
  card_wait,
  timer_set,
  timer_cancel,
} from '../hal';
import { TIMER_SLOT_BASE } from '../timers';
import { RESET_LOW_MS, REACTIVATION_DELAY_MS } from './iso7816';
import { Slot, Phase } from './slot-state';
import { CLASS_A, CLASS_B, CLASS_C } from './atr-info';
import { count } from './counters';

/** TS must start within 40 000 clock cycles of RST going high: that many etu at F = 372. */
const TS_WAIT_ETU: i32 = (ATR_MAX_DELAY_CLOCKS + DEFAULT_F - 1) / DEFAULT_F;

/** The VoltageClass for bPowerSelect; Off for a value CCID does not define. */
export function classForPowerSelect(powerSelect: i32): i32 {
  switch (powerSelect) {
    case PowerSelect.Automatic:
    case PowerSelect.V1_8:
      return VoltageClass.C;
    case PowerSelect.V3:
      return VoltageClass.B;
    case PowerSelect.V5:
      return VoltageClass.A;
    default:
      return VoltageClass.Off;
  }
}

export function activationClockKhz(voltage: i32): i32 {
  if (voltage == VoltageClass.A) return ACTIVATION_CLOCK_CLASS_A_KHZ;
  if (voltage == VoltageClass.B) return ACTIVATION_CLOCK_CLASS_B_KHZ;
  return ACTIVATION_CLOCK_CLASS_C_KHZ;
}

/** The ATR class-indicator bit for a VoltageClass. */
export function classBit(voltage: i32): i32 {
  if (voltage == VoltageClass.A) return CLASS_A;
  if (voltage == VoltageClass.B) return CLASS_B;
  return CLASS_C;
}

/** The next class up (C → B → A), or Off. With `indicated` ≠ 0, the next the card supports. */
export function nextClass(voltage: i32, indicated: i32): i32 {
  let v = voltage;
  while (v == VoltageClass.C || v == VoltageClass.B) {
    v = v == VoltageClass.C ? VoltageClass.B : VoltageClass.A;
    if (indicated == 0 || (indicated & classBit(v)) != 0) return v;
  }
  return VoltageClass.Off;
}

function resetUart(s: Slot): void {
  card_uart(s.index, DEFAULT_F, DEFAULT_D, 0, 0); // power-on defaults, direct convention
}

/** Cold reset at s.voltage: clock first (VCC comes up with the clock as last set), RST low. */
export function coldReset(s: Slot): void {
  count(s.index, DiagnosticsTag.SlotActivations);
  s.clockKhz = activationClockKhz(s.voltage);
  s.clockStopped = false;
  resetUart(s);
  card_clock(s.index, s.clockKhz);
  card_power(s.index, s.voltage);
  card_reset(s.index, 0);
  s.phase = Phase.ResetLow;
  timer_set(TIMER_SLOT_BASE + s.index, RESET_LOW_MS);
}

/** Warm reset: VCC and CLK stay, RST low for ≥ 400 clocks (§6.2.3). */
export function warmReset(s: Slot): void {
  count(s.index, DiagnosticsTag.SlotWarmResets);
  card_wait(s.index, 0);
  card_reset(s.index, 0);
  resetUart(s);
  s.phase = Phase.ResetLow;
  timer_set(TIMER_SLOT_BASE + s.index, RESET_LOW_MS);
}

/** RST high: the card answers within 40 000 clocks. */
export function releaseReset(s: Slot): void {
  card_reset(s.index, 1);
  s.atrReader.begin();
  s.phase = Phase.Atr;
  card_wait(s.index, TS_WAIT_ETU);
}

/** Deactivation (§6.4): the HAL drops RST, stops CLK, I/O low, then VCC. */
export function deactivate(s: Slot): void {
  timer_cancel(TIMER_SLOT_BASE + s.index);
  card_wait(s.index, 0);
  if (s.phase != Phase.Off && s.phase != Phase.Reactivation) card_power(s.index, VoltageClass.Off);
  s.phase = Phase.Off;
  s.clockStopped = false;
  s.t0.stop();
  s.t1.abort();
  // Consumed: left set, the next card's first exchange (a T=0 card's, whose power-on never
  // resets the T=1 machine) would end in a deactivation too.
  s.t1.dead = false;
}

/** Deactivates, then a cold reset at s.voltage after the reactivation delay. */
export function reactivateLater(s: Slot): void {
  deactivate(s);
  s.phase = Phase.Reactivation;
  timer_set(TIMER_SLOT_BASE + s.index, REACTIVATION_DELAY_MS);
}
