// Diversification factors of a social security card key, computed from its 卡识别码.
// F1, the region factor, is kiosk-cards.md §1.8 (S7 §10.3). F2, the card factor, is the test key
// scheme's choice (simulator/profiles/KEYS.md §2: 卡识别码 bytes 8..15, card serial ‖
// authentication code) because the real level-1/level-3 chain is UNCONFIRMED (§7).
import { fromHex } from '../../iso7816/hex.ts';

/** "33…": ASCII of the first 2 bytes ‖ "00sx"; otherwise ASCII of the first 3 bytes ‖ "sx". */
export function regionFactor(cardIdHex: string): Uint8Array {
  const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
  if (cardIdHex.startsWith('33'))
    return Uint8Array.from([...ascii(cardIdHex.slice(0, 4)), 0x30, 0x30, 0x73, 0x78]);
  return Uint8Array.from([...ascii(cardIdHex.slice(0, 6)), 0x73, 0x78]);
}

/** 卡识别码 bytes 8..15. */
export function cardFactor(cardIdHex: string): Uint8Array {
  return fromHex(cardIdHex).slice(8, 16);
}

/** The factors the PSAM's DELIVERY SESSION KEY takes for this card, in order. */
export function sscDiversificationFactors(cardIdHex: string): Uint8Array[] {
  return [regionFactor(cardIdHex), cardFactor(cardIdHex)];
}
