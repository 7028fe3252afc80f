// The beeper around a PIN entry: a click for each key the entry takes, a buzz for a key it cannot
// take (a digit past the maximum), and a beep for the outcome (one short high tone when the card
// accepted the PIN, a long low one for any failure). All of it only when the configuration area
// has the beeper on (ConfigTag.Beeper, firmware/src/config). The beeper sounds in the kiosk, not
// on the host link: the host learns nothing from it.
import { beep } from '../hal';
import { configBeeper } from '../config/index';

const CLICK_HZ: i32 = 4000;
const CLICK_MS: i32 = 15;
const REFUSED_HZ: i32 = 2000;
const REFUSED_MS: i32 = 40;
const SUCCESS_HZ: i32 = 2700;
const SUCCESS_MS: i32 = 120;
const FAILURE_HZ: i32 = 700;
const FAILURE_MS: i32 = 400;

/** A key the entry took (digit, Backspace, Clear, Enter, Cancel). */
export function beepKeyClick(): void {
  if (configBeeper()) beep(CLICK_HZ, CLICK_MS);
}

/** A digit past the maximum: counted, not stored. */
export function beepKeyRefused(): void {
  if (configBeeper()) beep(REFUSED_HZ, REFUSED_MS);
}

/** How the entry ended: `ok` when the card accepted the PIN (verified or changed). */
export function beepOutcome(ok: bool): void {
  if (!configBeeper()) return;
  if (ok) beep(SUCCESS_HZ, SUCCESS_MS);
  else beep(FAILURE_HZ, FAILURE_MS);
}
