// GET CHALLENGE (00 84), INTERNAL AUTHENTICATE (00 88), EXTERNAL AUTHENTICATE (00 82) with the
// session-key maths of S2 §8.4/§9 (kiosk-cards.md §1.7) and the card-side rules of KEYS.md §2.

import type { CardCommand } from '../command-apdu.ts';
import type { CardState } from '../card-state.ts';
import { authData, equalBytes, sessionKey } from '../crypto.ts';
import type { CardKey } from '../file-system.ts';
import { reply, replyData } from '../reply.ts';
import { SW, swTriesLeft } from '../../../protocol/iso7816/status-words.ts';

/** kiosk-cards.md §1.5: Le = 04, 08 or 10; 8 bytes are used everywhere. */
export function getChallenge(state: CardState, cmd: CardCommand): Uint8Array {
  if (cmd.p1 !== 0 || cmd.p2 !== 0) return reply(SW.WRONG_P1P2);
  if (cmd.leWildcard || (cmd.ne !== 4 && cmd.ne !== 8 && cmd.ne !== 16))
    return reply(SW.WRONG_LENGTH);
  const challenge = state.randomBytes(cmd.ne);
  state.challenge = challenge;
  return reply(SW.OK, challenge);
}

/** Lc 10 or 11: 16 bytes and an optional key version, which must match the key's. */
function keyForAuth(state: CardState, cmd: CardCommand, usage: CardKey['usage']): CardKey | number {
  if (cmd.p1 !== 0x00) return SW.WRONG_P1P2;
  if (cmd.data.length !== 16 && cmd.data.length !== 17) return SW.WRONG_LENGTH;
  const key =
    usage === 'internal' && cmd.p2 === 0x00
      ? state.currentDfKeys('internal')[0]
      : state.findKey(cmd.p2, usage);
  if (!key) return SW.KEY_NOT_FOUND;
  if (cmd.data.length === 17 && cmd.data[16] !== key.version) return SW.KEY_NOT_FOUND;
  return key;
}

/** 00 88 00 <00|IRK id> 10 PF ‖ OI [ver] → authData(SK(IRK, PF), OI). Any 16 bytes (§6 item 11). */
export function internalAuthenticate(state: CardState, cmd: CardCommand): Uint8Array {
  const key = keyForAuth(state, cmd, 'internal');
  if (typeof key === 'number') return reply(key);
  const sk = sessionKey(key.alg, key.value, cmd.data.subarray(0, 8));
  return replyData(cmd, authData(key.alg, sk, cmd.data.subarray(8, 16)));
}

/**
 * 00 82 00 <key id> 10 authData ‖ OI [ver]. PF = the card's own last challenge, consumed by
 * every attempt (KEYS.md §2). Wrong → 63Cx, x tries left; none left → 6983.
 */
export function externalAuthenticate(state: CardState, cmd: CardCommand): Uint8Array {
  const key = keyForAuth(state, cmd, 'external');
  if (typeof key === 'number') return reply(key);
  if (key.triesLeft === 0) return reply(SW.AUTH_BLOCKED);
  const challenge = state.challenge;
  if (!challenge) return reply(SW.REFERENCED_DATA_INVALID);
  state.challenge = null;
  const sk = sessionKey(key.alg, key.value, challenge.subarray(0, 8));
  const expected = authData(key.alg, sk, cmd.data.subarray(8, 16));
  if (!equalBytes(expected, cmd.data.subarray(0, 8))) {
    key.triesLeft -= 1;
    state.authenticated.delete(key);
    return reply(swTriesLeft(key.triesLeft));
  }
  key.triesLeft = key.maxTries;
  state.authenticated.add(key);
  return reply(SW.OK);
}
