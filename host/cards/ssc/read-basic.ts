// iReadCardBas as a typed operation (kiosk-cards.md §2.3): identify, authenticate through the
// PSAM — or through the HSM when the PSAM cannot (S7 §10.5), chosen here rather than by the
// caller — read EF06, and the PSAM's terminal number.
//
// Commands on a 3.0 card with a PSAM: SELECT SSSE, READ RECORD EF05 (all), INTERNAL AUTHENTICATE,
// GET CHALLENGE, EXTERNAL AUTHENTICATE, READ RECORD EF06 (all); on the PSAM, overlapping:
// READ BINARY EF0016, then DELIVERY SESSION KEY + CIPHER DATA for IRK and for RKSSSE.
import { randomBytes } from 'node:crypto';
import { recordFileLength } from '../../../protocol/cards/items.ts';
import { SSC_EF06 } from '../../../protocol/cards/ssc.ts';
import { CardError } from '../card-error.ts';
import { withTransaction, type CardChannel } from '../channel.ts';
import { NationalCode } from '../national-codes.ts';
import { NO_TERMINAL_NUMBER, type Psam } from '../psam/psam.ts';
import type { SscBasicInfo } from './basic-info.ts';
import { askHsm, finishHsm, prepareHsm } from './hsm-path.ts';
import type { HsmFunction } from './hsm.ts';
import { identifySsc, type SscIdentity } from './identify.ts';
import { decodeHolderData, parseRecords, specVersionNumber, type SscHolderData } from './items.ts';
import {
  authenticateWithPsam,
  HSM_FALLBACK_CODES,
  psamError,
  type RandomSource,
} from './psam-path.ts';
import { readRecordFile } from './records.ts';

export interface SscReadOptions {
  /** The PSAM in a SAM slot; absent = the reader has none. */
  psam?: Psam;
  /** The HSM, used when there is no PSAM or it lacks the key or algorithm. */
  hsm?: HsmFunction;
  /** 终端设备号 (field 11); '' by default. */
  terminalDeviceNumber?: string;
  /** Randoms for authentication (tests fix them); crypto.randomBytes by default. */
  random?: RandomSource;
}

export const EF06_LENGTH = recordFileLength(SSC_EF06);
/** 1.0 cards have no 4E 姓名扩展 (§1.4): EF06 is 22 bytes shorter. */
const EF06_LENGTH_1_0 = EF06_LENGTH - 2 - SSC_EF06.nameExtension.length;

export const defaultRandom: RandomSource = (n) => new Uint8Array(randomBytes(n));

/**
 * EF06 in one READ RECORD (the caller has unlocked it on a 3.0 card). Le from the card's version,
 * so that a 1.0 card without 4E needs no 6Cxx round; any other length still reads right.
 */
export async function readHolder(card: CardChannel, id: SscIdentity): Promise<SscHolderData> {
  const ne = specVersionNumber(id.issuer.specVersion) < 2 ? EF06_LENGTH_1_0 : EF06_LENGTH;
  return decodeHolderData(parseRecords(await readRecordFile(card, 0xef06, ne, 'EF06'), 'EF06'));
}

export function basicInfo(
  id: SscIdentity,
  holder: SscHolderData,
  terminalNumber: string,
  terminalDeviceNumber: string,
  authentication: 'psam' | 'hsm',
): SscBasicInfo {
  const i = id.issuer;
  return {
    regionCode: i.regionCode,
    socialSecurityNumber: holder.socialSecurityNumber,
    cardNumber: i.cardNumber,
    cardId: i.cardId,
    name: holder.name,
    historicalBytes: id.historicalBytes,
    specVersion: i.specVersion,
    issueDate: i.issueDate,
    expiryDate: i.expiryDate,
    terminalNumber,
    terminalDeviceNumber,
    issuer: i,
    holder,
    algorithm: id.algorithm,
    authentication,
  };
}

/** Holds the user card, then the PSAM (always in this order, so two readers never deadlock). */
export function withCards<T>(
  card: CardChannel,
  psam: Psam | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  return withTransaction(card, () => (psam ? withTransaction(psam.channel, fn) : fn()));
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true, value }),
    (error) => ({ ok: false, error }),
  );
}

export async function readSscBasic(
  card: CardChannel,
  options: SscReadOptions = {},
): Promise<SscBasicInfo> {
  const { psam, hsm } = options;
  const random = options.random ?? defaultRandom;
  return withCards(card, psam, async () => {
    // The PSAM's terminal number needs nothing from the card: read it while the card works.
    const terminal = psam ? settle(psam.terminalNumber()) : undefined;
    try {
      const id = await identifySsc(card);
      let authentication: 'psam' | 'hsm' = 'psam';
      try {
        if (!psam) throw CardError.named(NationalCode.NO_PSAM, 'no PSAM in the reader');
        await authenticateWithPsam(card, psam, id, random);
      } catch (e) {
        if (!(hsm && e instanceof CardError && HSM_FALLBACK_CODES.has(e.code))) throw e;
        authentication = 'hsm';
        const prepared = await prepareHsm(card, id, random);
        await finishHsm(card, prepared, await askHsm(hsm, prepared.request));
      }
      const holder = await readHolder(card, id);
      let terminalNumber = NO_TERMINAL_NUMBER;
      if (terminal) {
        const t = await terminal;
        if (t.ok) terminalNumber = t.value;
        else if (authentication === 'psam') throw psamError(t.error, 'IRK');
      }
      return basicInfo(
        id,
        holder,
        terminalNumber,
        options.terminalDeviceNumber ?? '',
        authentication,
      );
    } finally {
      // Never leave a PSAM command running past the transaction.
      await terminal;
    }
  });
}
