// External authentication of the resident health card through the PSAM (kiosk-cards.md §3;
// simulator/profiles/KEYS.md §3): card GET CHALLENGE; PSAM DELIVERY SESSION KEY
// `80 DE 47 <31|32|33|34> 18 cardNo ‖ city ‖ rand`; PSAM CIPHER DATA over OI ‖ 00×8, folded
// L ⊕ R; card `00 82 00 04 11 authData ‖ OI ‖ 01`. The security state is per DF, so each DF is
// unlocked after it is selected.
import {
  DiversificationInputError,
  healthDiversificationFactors,
} from '../../../protocol/cards/diversification.ts';
import {
  HEALTH_CARD_KEY_IDS,
  HEALTH_PSAM_KEYS,
  type HealthDf,
} from '../../../protocol/cards/health.ts';
import { CardError } from '../card-error.ts';
import type { CardChannel } from '../channel.ts';
import { NationalCode } from '../national-codes.ts';
import type { Psam } from '../psam/psam.ts';
import { externalAuthenticate, getChallenge } from '../ssc/card-auth.ts';

/** The key version byte of EXTERNAL AUTHENTICATE (KEYS.md §3). */
const KEY_VERSION = 0x01;

/** The factors of the card's keys (§3): ATR card number, then the city; −1 if either is short. */
function factorsOf(atr: Uint8Array, cityCode: Uint8Array): Uint8Array[] {
  try {
    return healthDiversificationFactors(atr, cityCode);
  } catch (e) {
    if (e instanceof DiversificationInputError)
      throw new CardError(NationalCode.WRONG_CARD_TYPE, `not a health card: ${e.message}`, {
        role: 'card',
        cause: e,
      });
    throw e;
  }
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
  const factors = factorsOf(card.atr, cityCode);
  const oi = random(8);
  const challenge = await getChallenge(card);
  let authData: Uint8Array;
  try {
    authData = await psam.authenticationData(
      {
        p1: HEALTH_PSAM_KEYS.read.p1,
        keyId: HEALTH_PSAM_KEYS.read.ids[df],
        factors,
        processFactor: challenge,
      },
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
  await externalAuthenticate(card, HEALTH_CARD_KEY_IDS.read, authData, oi, KEY_VERSION);
}
