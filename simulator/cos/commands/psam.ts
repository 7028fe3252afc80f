// The PSAM's commands for user-card authentication (《社会保障(个人)卡规范》 Part 9,
// kiosk-cards.md §1.11 and §3; exact forms in simulator/profiles/KEYS.md §4):
// DELIVERY SESSION KEY (80|BF DE) derives a card key from the master key and the diversification
// factors, then a session key from the process factor; CIPHER DATA (80 FA) enciphers or MACs
// with it. On T=0 the answer data comes through 61xx / GET RESPONSE (the T=0 card side).

import type { CardCommand } from '../command-apdu.ts';
import type { CardState } from '../card-state.ts';
import { blockSize, diversify, encryptEcb, mac, sessionKey } from '../crypto.ts';
import { reply, replyData } from '../reply.ts';
import { SW } from '../../../protocol/iso7816/status-words.ts';

export function deliverySessionKey(state: CardState, cmd: CardCommand): Uint8Array {
  const psam = state.psam;
  if (!psam) return reply(SW.INS_NOT_SUPPORTED);
  const which = psam.keyFor(cmd.p1, cmd.p2);
  if (which === 'bad-p1') return reply(SW.WRONG_P1P2);
  if (which === 'unsupported-algorithm') return reply(SW.FUNCTION_NOT_SUPPORTED);
  const n = cmd.data.length;
  if (n < 8 || n > 32 || n % 8 !== 0) return reply(SW.WRONG_LENGTH);
  state.psamSession = null;
  if (which === null) return reply(SW.KEY_NOT_FOUND);
  if (!psam.hasAlgorithm(which.alg)) return reply(SW.FUNCTION_NOT_SUPPORTED);
  const master = psam.masterKey(which.name, which.alg);
  if (!master) return reply(SW.KEY_NOT_FOUND);
  let key = master;
  for (let at = 0; at < n - 8; at += 8)
    key = diversify(which.alg, key, cmd.data.subarray(at, at + 8));
  state.psamSession = { alg: which.alg, sk: sessionKey(which.alg, key, cmd.data.subarray(n - 8)) };
  return reply(SW.OK);
}

/** P1 00: ECB encryption under the session key; P1 05: the 4-byte MAC of KEYS.md §5. */
export function cipherData(state: CardState, cmd: CardCommand): Uint8Array {
  if (!state.psam) return reply(SW.INS_NOT_SUPPORTED);
  if ((cmd.p1 !== 0x00 && cmd.p1 !== 0x05) || cmd.p2 !== 0x00) return reply(SW.WRONG_P1P2);
  const session = state.psamSession;
  if (!session) return reply(SW.INVALID_STATE);
  const n = cmd.data.length;
  if (cmd.p1 === 0x05) {
    if (n === 0) return reply(SW.WRONG_LENGTH);
    return replyData(cmd, mac(session.alg, session.sk, cmd.data));
  }
  if (n === 0 || n % blockSize(session.alg) !== 0) return reply(SW.WRONG_LENGTH);
  return replyData(cmd, encryptEcb(session.alg, session.sk, cmd.data));
}
