// Building response APDUs: data followed by SW1 SW2.

import { swExactLength, SW } from './status-words.ts';
import type { CardCommand } from './command-apdu.ts';

export function reply(sw: number, data?: Uint8Array): Uint8Array {
  const n = data ? data.length : 0;
  const out = new Uint8Array(n + 2);
  if (data) out.set(data);
  out[n] = (sw >> 8) & 0xff;
  out[n + 1] = sw & 0xff;
  return out;
}

/**
 * Response data for a command whose Le may ask for less: absent Le (T=0 case 4, where GET
 * RESPONSE fetches the data) and Le = 00 get everything; a smaller Le gets 6Cxx.
 */
export function replyData(cmd: CardCommand, data: Uint8Array): Uint8Array {
  if (cmd.ne !== null && !cmd.leWildcard && cmd.ne < data.length) {
    return data.length > 256 ? reply(SW.WRONG_LENGTH) : reply(swExactLength(data.length));
  }
  return reply(SW.OK, data);
}
