// Diversification factors: what the PSAM's DELIVERY SESSION KEY (and the test key scheme that
// derives the simulated cards' keys) takes to turn a master key into one card's key.
//
// Social security card: F1, the region factor, is kiosk-cards.md §1.8 (S7 §10.3). F2, the card
// factor, is the test key scheme's choice (simulator/profiles/KEYS.md §2: 卡识别码 bytes 8..15,
// card serial ‖ authentication code) because the real level-1/level-3 chain is UNCONFIRMED (§7).
// Health card: kiosk-cards.md §3 (KEYS.md §3): the card number from the ATR, then the city.

/** A factor's source is too short; callers that read it from a card check first. */
export class DiversificationInputError extends RangeError {
  override readonly name = 'DiversificationInputError';
}

const SSC_CARD_ID_LENGTH = 16;
const ASCII_0 = 0x30;
const ASCII_S = 0x73;
const ASCII_X = 0x78;

function need(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length < length)
    throw new DiversificationInputError(`${what} needs ${length} bytes`);
}

/** The hex digits of `bytes` as ASCII characters: 33 01 → "3301" → 33 33 30 31. */
function digitsAsAscii(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (const b of bytes)
    for (const nibble of [b >> 4, b & 0x0f])
      out.push(nibble < 10 ? ASCII_0 + nibble : 0x41 + nibble - 10);
  return out;
}

/**
 * §1.8: the region factor from the 卡识别码 (16 bytes). Region code "33…": the ASCII of the first
 * 2 bytes' digits ‖ "00sx"; otherwise the ASCII of the first 3 bytes' digits ‖ "sx".
 */
export function sscRegionFactor(cardId: Uint8Array): Uint8Array {
  need(cardId, SSC_CARD_ID_LENGTH, '卡识别码');
  if (cardId[0] === 0x33)
    return Uint8Array.from([
      ...digitsAsAscii(cardId.subarray(0, 2)),
      ASCII_0,
      ASCII_0,
      ASCII_S,
      ASCII_X,
    ]);
  return Uint8Array.from([...digitsAsAscii(cardId.subarray(0, 3)), ASCII_S, ASCII_X]);
}

/** KEYS.md §2: the card factor = 卡识别码 bytes 8..15 (card serial ‖ authentication code). */
export function sscCardFactor(cardId: Uint8Array): Uint8Array {
  need(cardId, SSC_CARD_ID_LENGTH, '卡识别码');
  return cardId.slice(8, 16);
}

/** The factors of a social security card key, in order: region, then card. */
export function sscDiversificationFactors(cardId: Uint8Array): Uint8Array[] {
  return [sscRegionFactor(cardId), sscCardFactor(cardId)];
}

/** §3: cardNo = ATR bytes 5..12 (characters 10..25 of the ATR hex string). */
export function healthCardNoFactor(atr: Uint8Array): Uint8Array {
  need(atr, 13, 'the health card ATR');
  return atr.slice(5, 13);
}

/** §3: city = the first 2 bytes of DDF1/EF05 tag 39 (应用城市代码, BCD) ‖ "000000". */
export function healthCityFactor(cityCode: Uint8Array): Uint8Array {
  need(cityCode, 2, '应用城市代码');
  return Uint8Array.of(
    cityCode[0],
    cityCode[1],
    ASCII_0,
    ASCII_0,
    ASCII_0,
    ASCII_0,
    ASCII_0,
    ASCII_0,
  );
}

/** The factors of a health card key, in order: card number, then city. */
export function healthDiversificationFactors(atr: Uint8Array, cityCode: Uint8Array): Uint8Array[] {
  return [healthCardNoFactor(atr), healthCityFactor(cityCode)];
}
