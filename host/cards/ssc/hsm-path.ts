// Card authentication through an HSM (加密机), kiosk-cards.md §1.7, §1.9 and §2.4. Two phases, so
// that the national iReadCardBas_HSM_Step1/Step2 can hand the string to the caller in between:
//   prepare: INTERNAL AUTHENTICATE with the terminal's randoms; for 3.0 cards one GET CHALLENGE
//            (the card's challenge is the external process factor, KEYS.md §2) → the Step1 request.
//   finish:  the HSM's internal authData must equal the card's answer (−21), then EXTERNAL
//            AUTHENTICATE with the HSM's authData.
import { toHex } from '../../iso7816/hex.ts';
import { CardError } from '../card-error.ts';
import type { CardChannel } from '../channel.ts';
import { NationalCode } from '../national-codes.ts';
import { algorithmIdText } from './algorithm.ts';
import {
  KEY_IDS,
  equalBytes,
  externalAuthenticate,
  getChallenge,
  internalAuthenticate,
} from './card-auth.ts';
import {
  formatHsmStep1,
  parseHsmStep2Key,
  type HsmFunction,
  type HsmReadCardBasRequest,
  type HsmRequest,
} from './hsm.ts';
import type { SscIdentity } from './identify.ts';
import type { RandomSource } from './psam-path.ts';

export interface PreparedHsm {
  request: HsmReadCardBasRequest;
  /** The card's INTERNAL AUTHENTICATE answer, to compare with the HSM's. */
  cardAnswer: Uint8Array;
  internalOriginalInfo: Uint8Array;
  externalOriginalInfo: Uint8Array | undefined;
}

export async function prepareHsm(
  card: CardChannel,
  id: SscIdentity,
  random: RandomSource,
): Promise<PreparedHsm> {
  const pf = random(8);
  const oi = random(8);
  const cardAnswer = await internalAuthenticate(card, pf, oi);
  let external: HsmReadCardBasRequest['external'];
  let externalOriginalInfo: Uint8Array | undefined;
  if (id.needsExternalAuthentication) {
    // GET CHALLENGE last: no other card command between it and EXTERNAL AUTHENTICATE.
    externalOriginalInfo = random(8);
    const challenge = await getChallenge(card);
    external = { processFactor: toHex(challenge), originalInfo: toHex(externalOriginalInfo) };
  }
  const fields = {
    regionCode: id.issuer.regionCode,
    historicalBytes: id.historicalBytes,
    algorithmId: algorithmIdText(id.algorithm),
    cardId: id.issuer.cardId,
    internal: { processFactor: toHex(pf), originalInfo: toHex(oi) },
    ...(external ? { external } : {}),
  };
  return {
    request: { kind: 'iReadCardBas', ...fields, national: formatHsmStep1(fields) },
    cardAnswer,
    internalOriginalInfo: oi,
    externalOriginalInfo,
  };
}

/** Checks the HSM's answer against the card and unlocks EF06 on 3.0 cards. */
export async function finishHsm(
  card: CardChannel,
  prepared: PreparedHsm,
  pKey: string,
): Promise<void> {
  const answer = parseHsmStep2Key(pKey);
  if (!equalBytes(answer.internal.originalInfo, prepared.internalOriginalInfo))
    throw new CardError(
      NationalCode.INVALID_DATA,
      'HSM pKey: the internal original info is not the one of Step1',
      { role: 'hsm' },
    );
  if (!equalBytes(answer.internal.authData, prepared.cardAnswer))
    throw new CardError(
      NationalCode.INTERNAL_AUTH_FAILED,
      'internal authentication failed: the card is not genuine (its answer differs from the HSM)',
      { role: 'card' },
    );
  if (!prepared.externalOriginalInfo) return;
  if (!answer.external)
    throw new CardError(
      NationalCode.INVALID_DATA,
      'HSM pKey: a 3.0 card needs the external authentication part',
      { role: 'hsm' },
    );
  if (!equalBytes(answer.external.originalInfo, prepared.externalOriginalInfo))
    throw new CardError(
      NationalCode.INVALID_DATA,
      'HSM pKey: the external original info is not the one of Step1',
      { role: 'hsm' },
    );
  await externalAuthenticate(
    card,
    KEY_IDS.RKSSSE,
    answer.external.authData,
    answer.external.originalInfo,
  );
}

/** Calls the pluggable HSM; its failure keeps a national code when it has one, else −23. */
export async function askHsm(hsm: HsmFunction, request: HsmRequest): Promise<string> {
  try {
    return await hsm(request);
  } catch (e) {
    const code =
      (e as { nationalCode?: unknown; code?: unknown } | null)?.nationalCode ??
      (e instanceof CardError ? e.code : undefined);
    return Promise.reject(
      new CardError(
        typeof code === 'number' && code < 0 ? code : NationalCode.INVALID_DATA,
        `HSM failed: ${e instanceof Error ? e.message : String(e)}`,
        {
          role: 'hsm',
          cause: e,
        },
      ),
    );
  }
}
