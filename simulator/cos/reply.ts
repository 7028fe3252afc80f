// Building response APDUs: data followed by SW1 SW2.

import { encodeResponseApdu } from '../../protocol/iso7816/apdu.ts';
import { swExactLength, SW } from '../../protocol/iso7816/status-words.ts';
import type { CardCommand } from './command-apdu.ts';

const NO_DATA = new Uint8Array(0);

export function reply(sw: number, data: Uint8Array = NO_DATA): Uint8Array {
  return encodeResponseApdu(data, sw);
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
