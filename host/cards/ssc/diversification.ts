// The diversification factors of a social security card key from its 卡识别码 as the host holds
// it (hex). The rules are protocol/cards/diversification.ts (kiosk-cards.md §1.8, KEYS.md §2).
import { sscDiversificationFactors as factorsOf } from '../../../protocol/cards/diversification.ts';
import { fromHex } from '../../iso7816/hex.ts';

/** The factors the PSAM's DELIVERY SESSION KEY takes for this card, in order. */
export function sscDiversificationFactors(cardIdHex: string): Uint8Array[] {
  return factorsOf(fromHex(cardIdHex));
}
