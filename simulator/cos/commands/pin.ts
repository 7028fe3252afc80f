// VERIFY (00 20), CHANGE PIN (80 5E) and PIN RELOAD/UNBLOCK (84 24) of the SSC (Part 5,
// kiosk-cards.md §1.5–§1.6; the MAC and PIN block of KEYS.md §5). PIN digits never leave this
// file: answers carry status words only.

import { unwrapMac } from '../access.ts';
import type { CardCommand } from '../command-apdu.ts';
import type { CardState } from '../card-state.ts';
import { blockSize, decryptEcb, sessionKey } from '../crypto.ts';
import type { CardPin } from '../file-system.ts';
import { parseCnPin, parsePinBlock, PIN_MAX_BYTES, PIN_MIN_BYTES } from '../pin-format.ts';
import { reply } from '../reply.ts';
import { SW, swTriesLeft } from '../../../protocol/iso7816/status-words.ts';

/** Compares a candidate with the PIN and moves the try counter; the status word of the outcome. */
function tryPin(state: CardState, pin: CardPin, candidate: string): number {
  if (pin.triesLeft === 0) return SW.AUTH_BLOCKED;
  if (candidate === pin.digits) {
    pin.triesLeft = pin.maxTries;
    state.verified.add(pin);
    return SW.OK;
  }
  pin.triesLeft -= 1;
  state.verified.delete(pin);
  return swTriesLeft(pin.triesLeft);
}

export function verify(state: CardState, cmd: CardCommand): Uint8Array {
  if (cmd.p1 !== 0x00) return reply(SW.WRONG_P1P2);
  const pin = state.findPin(cmd.p2);
  if (!pin) return reply(SW.KEY_NOT_FOUND);
  if (cmd.data.length === 0) {
    // Status query (Lc = 0 or no Lc): no try is spent.
    if (pin.triesLeft === 0) return reply(SW.AUTH_BLOCKED);
    return reply(state.verified.has(pin) ? SW.OK : swTriesLeft(pin.triesLeft));
  }
  if (cmd.data.length < PIN_MIN_BYTES || cmd.data.length > PIN_MAX_BYTES)
    return reply(SW.WRONG_LENGTH);
  if (pin.triesLeft === 0) return reply(SW.AUTH_BLOCKED);
  const digits = parseCnPin(cmd.data);
  if (digits === null) return reply(SW.WRONG_DATA);
  return reply(tryPin(state, pin, digits));
}

/** 80 5E 01 00 Lc oldPIN ‖ FF ‖ newPIN, plaintext, Lc 03–11. */
export function changePin(state: CardState, cmd: CardCommand): Uint8Array {
  if (cmd.p1 !== 0x01 || cmd.p2 !== 0x00) return reply(SW.WRONG_P1P2);
  const n = cmd.data.length;
  if (n < 2 * PIN_MIN_BYTES + 1 || n > 2 * PIN_MAX_BYTES + 1) return reply(SW.WRONG_LENGTH);
  const pin = state.findPin(0x00);
  if (!pin) return reply(SW.KEY_NOT_FOUND);
  if (pin.triesLeft === 0) return reply(SW.AUTH_BLOCKED);
  // A cn PIN can hold F only as its last nibble, so the first FF byte is the separator.
  const sep = cmd.data.indexOf(0xff);
  if (sep < 0) return reply(SW.WRONG_DATA);
  const oldDigits = parseCnPin(cmd.data.subarray(0, sep));
  const newDigits = parseCnPin(cmd.data.subarray(sep + 1));
  if (oldDigits === null || newDigits === null) return reply(SW.WRONG_DATA);
  const sw = tryPin(state, pin, oldDigits);
  if (sw !== SW.OK) return reply(sw);
  pin.digits = newDigits;
  return reply(SW.OK);
}

/**
 * 84 24 00 P2: P2 = 00 unblock (data = MAC), P2 = 01 reload (data = E(SMK, PIN block) ‖ MAC).
 * Needs the PIN's reload authentication key (PUK) authenticated in the current DF.
 */
export function reloadPin(state: CardState, cmd: CardCommand): Uint8Array {
  if (cmd.p1 !== 0x00 || (cmd.p2 !== 0x00 && cmd.p2 !== 0x01)) return reply(SW.WRONG_P1P2);
  const pin = state.findPin(0x00);
  if (!pin) return reply(SW.KEY_NOT_FOUND);
  const reload = state.pinReload(pin);
  if (!reload) return reply(SW.FUNCTION_NOT_SUPPORTED);
  const size = blockSize(reload.smKey.alg);
  const lc = cmd.p2 === 0x00 ? 4 : size + 4;
  if (cmd.data.length !== lc) return reply(SW.WRONG_LENGTH);
  if (!state.isAuthenticated(reload.authKey)) return reply(SW.SECURITY_NOT_SATISFIED);
  const challenge = state.challenge;
  const body = unwrapMac(state, cmd, reload.smKey);
  if (typeof body === 'number') return reply(body);
  if (cmd.p2 === 0x01) {
    const smk = sessionKey(reload.smKey.alg, reload.smKey.value, challenge!.subarray(0, 8));
    const digits = parsePinBlock(decryptEcb(reload.smKey.alg, smk, body));
    if (digits === null) return reply(SW.WRONG_DATA);
    pin.digits = digits;
  }
  pin.triesLeft = pin.maxTries;
  return reply(SW.OK);
}
