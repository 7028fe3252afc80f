// Step 2 of iReadCardBas (kiosk-cards.md §2.3): select SSSE, learn the algorithm, read EF05.
// Two commands: SELECT SSSE, then one READ RECORD of all EF05 records by SFI.
import { decodeAtr, AtrError } from '../../../protocol/atr.ts';
import { recordFileLength } from '../../../protocol/cards/items.ts';
import { SSC_EF05 } from '../../../protocol/cards/ssc.ts';
import { toHex } from '../../iso7816/hex.ts';
import { CardError } from '../card-error.ts';
import type { CardChannel } from '../channel.ts';
import { NationalCode } from '../national-codes.ts';
import { ALGORITHM_IDS, defaultAlgorithm, type SscAlgorithm } from './algorithm.ts';
import { decodeIssuerData, needsRksssse, parseRecords, type SscIssuerData } from './items.ts';
import { readRecordFile } from './records.ts';
import { selectSsse } from './ssse.ts';

export interface SscIdentity {
  algorithm: SscAlgorithm;
  /** 算法标识: from the FCI, or the S7 §10.1 default when the card has no 9F0C. */
  algorithmId: number;
  algorithmFromFci: boolean;
  issuer: SscIssuerData;
  /** EF06 needs RKSSSE external authentication (3.0 cards). */
  needsExternalAuthentication: boolean;
  /** 卡复位信息: the ATR's historical bytes, hex. */
  historicalBytes: string;
  /** The EF05 records as read (tag → value), so that nobody reads EF05 twice. */
  ef05: ReadonlyMap<number, Uint8Array>;
}

export const EF05_LENGTH = recordFileLength(SSC_EF05);

export async function identifySsc(card: CardChannel): Promise<SscIdentity> {
  const historicalBytes = historicalBytesHex(card.atr);
  const fci = await selectSsse(card);
  const ef05 = parseRecords(await readRecordFile(card, 0xef05, EF05_LENGTH, 'EF05'), 'EF05');
  const issuer = decodeIssuerData(ef05);
  const algorithm =
    fci.algorithm ??
    (fci.algorithmId === undefined ? defaultAlgorithm(issuer.regionCode) : undefined);
  if (!algorithm)
    throw new CardError(
      NationalCode.PSAM_NO_ALGORITHM,
      `unknown 算法标识 ${fci.algorithmId} in the SSSE FCI`,
      { role: 'card' },
    );
  return {
    algorithm,
    algorithmId: ALGORITHM_IDS[algorithm],
    algorithmFromFci: fci.algorithm !== undefined,
    issuer,
    needsExternalAuthentication: needsRksssse(issuer),
    historicalBytes,
    ef05,
  };
}

/** 卡复位信息 is the historical bytes only (§2.3 field 6). */
export function historicalBytesHex(atr: Uint8Array): string {
  try {
    return toHex(decodeAtr(atr).historicalBytes);
  } catch (e) {
    if (e instanceof AtrError)
      throw new CardError(
        NationalCode.CARD_NO_ANSWER,
        `the card's ATR is malformed: ${e.message}`,
        { role: 'card', cause: e },
      );
    throw e;
  }
}
