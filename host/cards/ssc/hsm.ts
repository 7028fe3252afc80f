// The HSM (加密机) two-step strings of the national interface, kiosk-cards.md §2.4 (S7), and the
// pluggable function through which the driver asks an HSM when the PSAM cannot authenticate.
import { fromHex, toHex } from '../../iso7816/hex.ts';
import { Iso7816FormatError } from '../../../protocol/iso7816/format-error.ts';
import { CardError } from '../card-error.ts';
import { NationalCode } from '../national-codes.ts';

/** What the HSM needs to authenticate one card: the iReadCardBas_HSM_Step1 fields, typed. */
export interface HsmReadCardBasRequest {
  kind: 'iReadCardBas';
  /** 区划码: the first 6 digits of 卡识别码. */
  regionCode: string;
  /** 卡复位信息: the historical bytes, hex. */
  historicalBytes: string;
  /** 算法标识 '01' | '02' | '03'. */
  algorithmId: string;
  /** 卡识别码, 32 hex. */
  cardId: string;
  internal: { processFactor: string; originalInfo: string };
  /** Present for 3.0 cards (RKSSSE external authentication). */
  external?: { processFactor: string; originalInfo: string };
  /** The same, as the spec's 8-field Step1 string. */
  national: string;
}

/** The HSM's answer, the Step2 pKey (`authData‖OI|authData‖OI|`), typed. */
export interface HsmReadCardBasAnswer {
  internal: { authData: Uint8Array; originalInfo: Uint8Array };
  external?: { authData: Uint8Array; originalInfo: Uint8Array };
}

/**
 * One external authentication by the HSM (iReadCard_HSM_Step1, §2.4):
 * `算法标识|外部认证密钥地址|过程因子|原始信息|`; the answer is authData ‖ OI, 32 hex.
 */
export interface HsmExternalAuthRequest {
  kind: 'externalAuthenticate';
  algorithmId: string;
  /** Key logical address (S7 appendix B), e.g. '004C' RKSSSE, '004F' RK1DF01. */
  keyAddress: string;
  processFactor: string;
  originalInfo: string;
  /** 卡识别码, for the diversification (the national string leaves it to pCardInfo). */
  cardId: string;
  national: string;
}

export type HsmRequest = HsmReadCardBasRequest | HsmExternalAuthRequest;

/**
 * The pluggable HSM: gets a request (typed, with the national Step1 string in `national`) and
 * returns the national answer string, as the business systems' HSM services already do: the
 * Step2 pKey for 'iReadCardBas', authData ‖ OI (32 hex) for 'externalAuthenticate'.
 */
export type HsmFunction = (request: HsmRequest) => Promise<string>;

export function formatHsmExternalAuth(
  r: Omit<HsmExternalAuthRequest, 'national' | 'kind' | 'cardId'>,
): string {
  return `${r.algorithmId}|${r.keyAddress}|${r.processFactor}|${r.originalInfo}|`;
}

/** Parses authData ‖ OI (32 hex, an optional trailing `|`). */
export function parseHsmAuthAnswer(answer: string): {
  authData: Uint8Array;
  originalInfo: Uint8Array;
} {
  if (typeof answer !== 'string') throw bad('answer must be a string');
  const p = pair(answer.replace(/\|$/, ''), 'answer');
  if (!p) throw bad('empty answer');
  return p;
}

/** The spec form of the Step1 string (8 fields, each followed by `|`). */
export function formatHsmStep1(r: Omit<HsmReadCardBasRequest, 'national' | 'kind'>): string {
  return [
    r.regionCode,
    r.historicalBytes,
    r.algorithmId,
    r.cardId,
    r.internal.processFactor,
    r.internal.originalInfo,
    r.external?.processFactor ?? '',
    r.external?.originalInfo ?? '',
  ]
    .map((f) => f + '|')
    .join('');
}

/**
 * Parses a Step2 pKey: `<auth 16 hex><OI 16 hex>|<auth 16 hex><OI 16 hex>|`, the second part
 * empty without external authentication. Malformed input is −23 传入数据不合法.
 */
export function parseHsmStep2Key(pKey: string): HsmReadCardBasAnswer {
  if (typeof pKey !== 'string' || pKey.length > 128)
    throw bad('pKey must be a string of at most 128 characters');
  const parts = pKey.split('|');
  // Every field is followed by `|`: "a|b|" splits into [a, b, '']; tolerate a missing last `|`.
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length < 1 || parts.length > 2)
    throw bad(`pKey has ${parts.length} fields, expected 1 or 2`);
  const internal = pair(parts[0], 'internal');
  if (!internal) throw bad('pKey has no internal authentication data');
  const external = parts.length === 2 ? pair(parts[1], 'external') : undefined;
  return external ? { internal, external } : { internal };
}

function pair(
  field: string,
  what: string,
): { authData: Uint8Array; originalInfo: Uint8Array } | undefined {
  if (field === '') return undefined;
  if (!/^[0-9A-Fa-f]{32}$/.test(field)) throw bad(`${what} part must be 32 hex characters`);
  let bytes: Uint8Array;
  try {
    bytes = fromHex(field);
  } catch (e) {
    if (e instanceof Iso7816FormatError) throw bad(`${what} part: ${e.message}`);
    throw e;
  }
  return { authData: bytes.slice(0, 8), originalInfo: bytes.slice(8, 16) };
}

/** The Step2 pKey an HSM writes (used by test HSMs and for symmetry). */
export function formatHsmStep2Key(a: HsmReadCardBasAnswer): string {
  const p = (x?: { authData: Uint8Array; originalInfo: Uint8Array }): string =>
    x ? toHex(x.authData) + toHex(x.originalInfo) : '';
  return `${p(a.internal)}|${p(a.external)}|`;
}

function bad(message: string): CardError {
  return new CardError(NationalCode.INVALID_DATA, `HSM pKey: ${message}`, { role: 'hsm' });
}
