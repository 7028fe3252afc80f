// Card authentication through the PSAM (kiosk-cards.md §1.7, §2.3 steps 3–4; KEYS.md §4):
//   internal: the terminal's randoms PF ‖ OI to the card; the PSAM enciphers OI under the session
//             key of the card's IRK and PF; both must give the same 8 bytes, else −21.
//   external (3.0): the card's challenge is PF; the PSAM computes authData under RKSSSE; the
//             card checks it (EXTERNAL AUTHENTICATE 0A).
// The card and the PSAM sit in different slots, so their commands overlap: the PSAM works on the
// internal authentication while the card answers INTERNAL AUTHENTICATE and GET CHALLENGE.
import { SW } from '../../../protocol/iso7816/status-words.ts';
import { CardError } from '../card-error.ts';
import type { CardChannel } from '../channel.ts';
import { NationalCode } from '../national-codes.ts';
import type { Psam } from '../psam/psam.ts';
import { algorithmBlockSize } from './algorithm.ts';
import {
  KEY_IDS,
  equalBytes,
  externalAuthenticate,
  getChallenge,
  internalAuthenticate,
} from './card-auth.ts';
import { sscDiversificationFactors } from './diversification.ts';
import type { SscIdentity } from './identify.ts';

export type RandomSource = (n: number) => Uint8Array;

/** Codes after which S7 §10.5 switches to the HSM: the PSAM lacks a key, an algorithm or is absent. */
export const HSM_FALLBACK_CODES: ReadonlySet<number> = new Set([
  NationalCode.NO_PSAM,
  NationalCode.PSAM_NO_ALGORITHM,
  NationalCode.PSAM_NO_RKSSSE,
  -0x6a88,
  NationalCode.PSAM_KEY_LEVEL,
]);

export async function authenticateWithPsam(
  card: CardChannel,
  psam: Psam,
  id: SscIdentity,
  random: RandomSource,
): Promise<void> {
  const factors = sscDiversificationFactors(id.issuer.cardId);
  const blockSize = algorithmBlockSize(id.algorithm);
  const pf = random(8);
  const oi = random(8);
  const oiExternal = random(8);
  let challenge!: { resolve: (c: Uint8Array) => void; reject: (e: unknown) => void };
  const challenged = new Promise<Uint8Array>(
    (resolve, reject) => (challenge = { resolve, reject }),
  );
  challenged.catch(() => undefined);

  const cardLane = (async () => {
    try {
      const answer = await internalAuthenticate(card, pf, oi);
      if (id.needsExternalAuthentication) challenge.resolve(await getChallenge(card));
      return answer;
    } catch (e) {
      challenge.reject(e);
      throw e;
    }
  })();
  const psamLane = (async () => {
    const expected = await psam
      .authenticationData(
        { p1: id.algorithmId, keyId: KEY_IDS.IRK, factors, processFactor: pf },
        oi,
        blockSize,
      )
      .catch((e) => Promise.reject(psamError(e, 'IRK')));
    if (!id.needsExternalAuthentication) return { expected };
    const processFactor = await challenged;
    const authData = await psam
      .authenticationData(
        { p1: id.algorithmId, keyId: KEY_IDS.RKSSSE, factors, processFactor },
        oiExternal,
        blockSize,
      )
      .catch((e) => Promise.reject(psamError(e, 'RKSSSE')));
    return { expected, authData };
  })();

  const [c, p] = await Promise.allSettled([cardLane, psamLane]);
  // The PSAM's verdict first: "no PSAM key" must reach the caller (HSM fallback) even when the
  // card lane stopped only because the PSAM lane did.
  if (p.status === 'rejected' && (c.status === 'fulfilled' || isPsamError(p.reason)))
    throw p.reason;
  if (c.status === 'rejected') throw c.reason;
  if (p.status === 'rejected') throw p.reason;
  if (!equalBytes(c.value, p.value.expected))
    throw new CardError(
      NationalCode.INTERNAL_AUTH_FAILED,
      'internal authentication failed: the card is not genuine (its answer differs from the PSAM)',
      { role: 'card' },
    );
  if (p.value.authData)
    await externalAuthenticate(card, KEY_IDS.RKSSSE, p.value.authData, oiExternal);
}

function isPsamError(e: unknown): boolean {
  return e instanceof CardError && e.details.role === 'psam';
}

/**
 * S7 §2.3 step 3: the PSAM's answers to DELIVERY SESSION KEY in national terms. 6A81 = algorithm
 * absent → −2202; 6A88 for RKSSSE → −2203 (for IRK it stays −27272, also an HSM case); a PSAM that
 * does not answer at all → −2201.
 */
export function psamError(e: unknown, key: 'IRK' | 'RKSSSE'): CardError {
  if (!(e instanceof CardError))
    return new CardError(NationalCode.NO_PSAM, `PSAM: ${String(e)}`, { role: 'psam', cause: e });
  if (e.details.role !== 'psam') return e;
  if (e.details.sw === SW.FUNCTION_NOT_SUPPORTED)
    return new CardError(
      NationalCode.PSAM_NO_ALGORITHM,
      `the PSAM lacks the card's algorithm (${e.message})`,
      { ...e.details, cause: e },
    );
  if (e.details.sw === SW.KEY_NOT_FOUND && key === 'RKSSSE')
    return new CardError(NationalCode.PSAM_NO_RKSSSE, `the PSAM has no RKSSSE key (${e.message})`, {
      ...e.details,
      cause: e,
    });
  if (e.details.sw === undefined && e.code !== NationalCode.WRONG_DATA_LENGTH)
    return new CardError(NationalCode.NO_PSAM, `the PSAM does not answer (${e.message})`, {
      ...e.details,
      cause: e,
    });
  return e;
}
