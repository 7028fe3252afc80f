// Access conditions and secure messaging (kiosk-cards.md §1.2 read/write controls; KEYS.md §5).

import { concatBytes } from '../../protocol/bytes.ts';
import type { CardCommand } from './command-apdu.ts';
import type { CardState } from './card-state.ts';
import { equalBytes, mac, sessionKey } from './crypto.ts';
import type { AccessCondition, CardKey } from './file-system.ts';
import { SW } from '../../protocol/iso7816/status-words.ts';

/** 0 when the condition holds for a plain (CLA 00) command, else the status word. */
export function checkAccess(state: CardState, cond: AccessCondition): number {
  switch (cond.kind) {
    case 'always':
      return 0;
    case 'never':
      return SW.SECURITY_NOT_SATISFIED;
    case 'pin':
      return state.verified.size > 0 ? 0 : SW.SECURITY_NOT_SATISFIED;
    case 'key':
      return state.isAuthenticated(cond.key) ? 0 : SW.SECURITY_NOT_SATISFIED;
    case 'pin-or-key':
      return state.verified.size > 0 || state.isAuthenticated(cond.key)
        ? 0
        : SW.SECURITY_NOT_SATISFIED;
    case 'sm':
      return SW.SECURITY_NOT_SATISFIED;
  }
}

/**
 * KEYS.md §5: checks the 4-byte MAC at the end of the data under SMK = SK(key, challenge) and
 * consumes the challenge. Returns the data without the MAC, or a status word.
 */
export function unwrapMac(state: CardState, cmd: CardCommand, key: CardKey): Uint8Array | number {
  if (cmd.data.length < 4) return SW.WRONG_LENGTH;
  const challenge = state.challenge;
  if (!challenge) return SW.REFERENCED_DATA_INVALID;
  state.challenge = null;
  const body = cmd.data.subarray(0, cmd.data.length - 4);
  const smk = sessionKey(key.alg, key.value, challenge.subarray(0, 8));
  const header = Uint8Array.of(cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data.length);
  const expected = mac(key.alg, smk, concatBytes([header, body]));
  if (!equalBytes(expected, cmd.data.subarray(cmd.data.length - 4))) return SW.SM_DATA_WRONG;
  return body;
}

/** Data of an update command after its access condition: plain, or unwrapped from SM. */
export function updateData(
  state: CardState,
  cmd: CardCommand,
  cond: AccessCondition,
): Uint8Array | number {
  const secure = (cmd.cla & 0x0c) !== 0;
  if (cond.kind === 'sm') {
    if (!secure) return SW.SECURITY_NOT_SATISFIED;
    const key = state.findKeyByName(cond.key);
    if (!key) return SW.KEY_NOT_FOUND;
    return unwrapMac(state, cmd, key);
  }
  if (secure) return SW.SM_DATA_WRONG;
  const denied = checkAccess(state, cond);
  return denied || cmd.data;
}
