// The command sequence of the real kiosk trace (../shared/reference/kiosk-cards.md §1.9: a 3.0
// card read through an HSM), user card only, as a kiosk's driver sends it today. Commands whose
// data comes from the HSM in the trace (INTERNAL and EXTERNAL AUTHENTICATE) are functions of the
// challenges the card gave, so a replay can compute them afresh.
import { fromHex } from '../../protocol/bytes.ts';

/** SELECT SSSE by name: "sx1.sh." + 社会保障 in GBK (§1.2). */
export const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF';

export type TraceStep =
  | { kind: 'apdu'; hex: string; note: string }
  /** GET CHALLENGE 8 bytes: the answer is kept under `as`. */
  | {
      kind: 'challenge';
      as: 'internalOriginal' | 'internalFactor' | 'externalOriginal' | 'externalFactor';
    }
  /** 00 88 00 00 10 processFactor ‖ originalInfo. */
  | { kind: 'internal-authenticate' }
  /** 00 82 00 0A 10 authData ‖ originalInfo, authData from the HSM (or a PSAM). */
  | { kind: 'external-authenticate' };

export const TRACE_1_9: readonly TraceStep[] = [
  { kind: 'apdu', hex: SELECT_SSSE, note: 'SELECT SSSE' },
  { kind: 'apdu', hex: '00A4020002EF05', note: 'SELECT EF05' },
  { kind: 'apdu', hex: '00B2010012', note: 'READ RECORD 01 (card identifier)' },
  { kind: 'apdu', hex: '00B2030006', note: 'READ RECORD 03 (version)' },
  { kind: 'apdu', hex: '00B207000B', note: 'READ RECORD 07 (card number)' },
  { kind: 'apdu', hex: SELECT_SSSE, note: 'SELECT SSSE again' },
  { kind: 'challenge', as: 'internalOriginal' },
  { kind: 'challenge', as: 'internalFactor' },
  { kind: 'internal-authenticate' },
  { kind: 'challenge', as: 'externalOriginal' },
  { kind: 'challenge', as: 'externalFactor' },
  { kind: 'external-authenticate' },
  { kind: 'apdu', hex: '00A4020002EF05', note: 'SELECT EF05' },
  { kind: 'apdu', hex: '00B2030006', note: 'READ RECORD 03' },
  { kind: 'apdu', hex: '00B2050006', note: 'READ RECORD 05' },
  { kind: 'apdu', hex: '00B2060006', note: 'READ RECORD 06' },
  { kind: 'apdu', hex: '00A4020002EF06', note: 'SELECT EF06' },
  { kind: 'apdu', hex: '00B2080014', note: 'READ RECORD 08 (social security number)' },
  { kind: 'apdu', hex: '00B2090020', note: 'READ RECORD 09 (name)' },
  { kind: 'apdu', hex: '00B24E0016', note: 'READ RECORD 4E (name, continued)' },
];

export const GET_CHALLENGE_8 = fromHex('0084000008');
