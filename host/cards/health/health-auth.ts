// External authentication of the resident health card through the PSAM (kiosk-cards.md §3;
// simulator/profiles/KEYS.md §3): card GET CHALLENGE; PSAM DELIVERY SESSION KEY
// `80 DE 47 <31|32|33|34> 18 cardNo ‖ city ‖ rand`; PSAM CIPHER DATA over OI ‖ 00×8, folded
// L ⊕ R; card `00 82 00 04 11 authData ‖ OI ‖ 01`. The security state is per DF, so each DF is
// unlocked after it is selected.
import { CardError } from '../card-error.ts';
import type { CardChannel } from '../channel.ts';
import { NationalCode } from '../national-codes.ts';
import type { Psam } from '../psam/psam.ts';
import { externalAuthenticate, getChallenge } from '../ssc/card-auth.ts';

/** The DFs of the health card and their read keys in the PSAM (P1 47, read keys). */
export const HEALTH_READ_KEY_IDS = { DDF1: 0x31, DF01: 0x32, DF02: 0x33, DF03: 0x34 } as const;
export type HealthDf = keyof typeof HEALTH_READ_KEY_IDS;

/** PSAM P1 for the health card's read keys (§3: 80 DE 47 …). */
const READ_KEY_USAGE = 0x47;
/** Card P2: the current DF's RK (KEYS.md §3). */
const CARD_RK_ID = 0x04;
const KEY_VERSION = 0x01;

/** cardNo = ATR bytes 5..12 (characters 10..25 of the ATR hex string, §3). */
export function healthCardNoFactor(atr: Uint8Array): Uint8Array {
  if (atr.length < 13)
    throw new CardError(
      NationalCode.WRONG_CARD_TYPE,
      `ATR of ${atr.length} bytes is too short for a health card`,
      { role: 'card' },
    );
  return atr.slice(5, 13);
}

/** city = the first 2 bytes of EF05 tag 39 (应用城市代码, BCD) ‖ 30×6. */
export function healthCityFactor(cityCode: Uint8Array): Uint8Array {
  if (cityCode.length < 2)
    throw new CardError(NationalCode.WRONG_CARD_TYPE, '应用城市代码 is shorter than 2 bytes', {
      role: 'card',
    });
  return Uint8Array.of(cityCode[0], cityCode[1], 0x30, 0x30, 0x30, 0x30, 0x30, 0x30);
}

export async function unlockHealthDf(
  card: CardChannel,
  psam: Psam | undefined,
  df: HealthDf,
  cityCode: Uint8Array,
  random: (n: number) => Uint8Array,
): Promise<void> {
  if (!psam)
    throw CardError.named(NationalCode.NO_PSAM, 'the health card needs a PSAM to read holder data');
  const factors = [healthCardNoFactor(card.atr), healthCityFactor(cityCode)];
  const oi = random(8);
  const challenge = await getChallenge(card);
  let authData: Uint8Array;
  try {
    authData = await psam.authenticationData(
      { p1: READ_KEY_USAGE, keyId: HEALTH_READ_KEY_IDS[df], factors, processFactor: challenge },
      oi,
      16,
    );
  } catch (e) {
    if (e instanceof CardError && e.details.role === 'psam' && e.details.sw === undefined)
      throw new CardError(NationalCode.NO_PSAM, `the PSAM does not answer (${e.message})`, {
        ...e.details,
        cause: e,
      });
    throw e;
  }
  await externalAuthenticate(card, CARD_RK_ID, authData, oi, KEY_VERSION);
}
