// GET PROCESSING OPTIONS (80 A8; JR/T 0025 / EMV Book 3 §6.5.8), as kiosks send it to read the
// bank card number (kiosk-cards.md §4): data = 83 len PDOL-data; the answer is the application's
// format 1 or 2 template with AIP and AFL.

import { EMV_TAG } from '../../../protocol/cards/bank.ts';
import type { CardCommand } from '../command-apdu.ts';
import type { CardState } from '../card-state.ts';
import { reply, replyData } from '../reply.ts';
import { SW } from '../../../protocol/iso7816/status-words.ts';

export function getProcessingOptions(state: CardState, cmd: CardCommand): Uint8Array {
  if (cmd.p1 !== 0x00 || cmd.p2 !== 0x00) return reply(SW.WRONG_P1P2);
  const response = state.currentDf.gpoResponse;
  if (!response) return reply(SW.CONDITIONS_NOT_SATISFIED);
  const d = cmd.data;
  if (d.length < 2 || d[0] !== EMV_TAG.COMMAND_TEMPLATE || d[1] !== d.length - 2)
    return reply(SW.WRONG_LENGTH);
  return replyData(cmd, response);
}
