// A test HSM (加密机) with the test keys of KEYS.md §6: it turns the strings of the national
// interface's HSM two-step functions (kiosk-cards.md §2.4) into the keys the next step needs.
// Tests plug it in as the driver's HSM. TEST KEYS ONLY.

import { concatBytes, fromHex, toHex } from '../../protocol/bytes.ts';
import {
  authData,
  blockSize,
  encryptEcb,
  mac,
  sessionKey,
  type CardAlgorithm,
} from '../cos/crypto.ts';
import { encodePinBlock } from '../cos/pin-format.ts';
import { HSM_KEY_ADDRESSES, sscCardKey, type KeyName } from './keys.ts';

/** Malformed HSM input: the field and what is wrong with it. */
export class HsmInputError extends Error {
  override readonly name = 'HsmInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const hex = (b: Uint8Array): string => toHex(b).replace(/ /g, '');

/** Fields of a `a|b|c|` string: every field is followed by `|` (§2.1). */
function fields(text: string, min: number, what: string): string[] {
  if (typeof text !== 'string' || !text.endsWith('|'))
    throw new HsmInputError(what, 'fields must each end with |');
  const parts = text.slice(0, -1).split('|');
  if (parts.length < min) throw new HsmInputError(what, `${parts.length} fields, ${min} expected`);
  return parts;
}

function hexField(value: string, bytes: number, field: string): Uint8Array {
  if (!new RegExp(`^[0-9A-Fa-f]{${bytes * 2}}$`).test(value)) {
    throw new HsmInputError(
      field,
      `${bytes * 2} hex digits expected, got ${JSON.stringify(value)}`,
    );
  }
  return fromHex(value);
}

/** 算法标识 (§1.5): 01 DES/3DES, 03 SM4; 02 SSF33 is not in the test HSM. */
function algorithm(id: string): CardAlgorithm {
  if (id === '01') return '3DES';
  if (id === '03') return 'SM4';
  throw new HsmInputError('算法标识', `${JSON.stringify(id)} is not 01 (3DES) or 03 (SM4)`);
}

/** The 卡识别码, alone or as the first field of pCardInfo (`卡识别码|卡号|`). */
function cardIdOf(cardInfo: string): string {
  const id = typeof cardInfo === 'string' ? cardInfo.split('|')[0] : '';
  hexField(id, 16, '卡识别码');
  return id.toUpperCase();
}

function keyAt(address: string): KeyName {
  const name = HSM_KEY_ADDRESSES[address.toUpperCase()];
  if (!name) throw new HsmInputError('密钥地址', `unknown key address ${JSON.stringify(address)}`);
  return name;
}

function authFor(
  alg: CardAlgorithm,
  name: KeyName,
  cardId: string,
  pf: Uint8Array,
  oi: Uint8Array,
): string {
  const sk = sessionKey(alg, sscCardKey(name, alg, cardId), pf);
  return hex(authData(alg, sk, oi)) + hex(oi);
}

/**
 * iReadCardBas_HSM_Step1 output → iReadCardBas_HSM_Step2 pKey:
 * `区划码|卡复位信息|算法标识|卡识别码|PF_int|OI_int|PF_ext|OI_ext|` (a 9th field is accepted)
 * → `authData(IRK) ‖ OI_int|authData(RKSSSE) ‖ OI_ext|` (second part empty without external fields).
 */
export function hsmReadCardBas(step1: string): string {
  const f = fields(step1, 8, 'iReadCardBas_HSM_Step1');
  const alg = algorithm(f[2]);
  const cardId = cardIdOf(f[3]);
  const internal = authFor(
    alg,
    'IRK',
    cardId,
    hexField(f[4], 8, '内部认证过程因子'),
    hexField(f[5], 8, '内部认证原始信息'),
  );
  if (f[6] === '' && f[7] === '') return `${internal}||`;
  const external = authFor(
    alg,
    'RKSSSE',
    cardId,
    hexField(f[6], 8, '外部认证过程因子'),
    hexField(f[7], 8, '外部认证原始信息'),
  );
  return `${internal}|${external}|`;
}

/**
 * iReadCard_HSM_Step1 / iReloadPIN_HSM_Step1 / iUnblockPIN_HSM_Step1 output
 * `算法标识|密钥地址|过程因子|原始信息|` and the card's 卡识别码 → authData ‖ OI (32 hex).
 */
export function hsmExternalAuth(step1: string, cardInfo: string): string {
  const f = fields(step1, 4, 'HSM_Step1');
  const alg = algorithm(f[0]);
  return authFor(
    alg,
    keyAt(f[1]),
    cardIdOf(cardInfo),
    hexField(f[2], 8, '过程因子'),
    hexField(f[3], 8, '原始信息'),
  );
}

/**
 * iReloadPIN_HSM_Step2 output `算法标识|安全报文密钥地址|过程因子|APDU命令头|明文新PIN|` and the
 * 卡识别码 → Step3 pKey = header ‖ E(SMK, PIN block) ‖ MAC (34 or 50 hex), or header ‖ MAC for
 * iUnblockPIN (empty PIN field). KEYS.md §5.
 */
export function hsmSecureMessaging(step2: string, cardInfo: string): string {
  const f = fields(step2, 5, 'HSM_Step2');
  const alg = algorithm(f[0]);
  const key = sscCardKey(keyAt(f[1]), alg, cardIdOf(cardInfo));
  const smk = sessionKey(alg, key, hexField(f[2], 8, '过程因子'));
  const header = hexField(f[3], 5, 'APDU命令头');
  const pin = f[4];
  let body = new Uint8Array(0) as Uint8Array;
  if (pin !== '') {
    if (!/^[0-9]{4,16}$/.test(pin)) throw new HsmInputError('明文新PIN', '4 to 16 digits expected');
    body = encryptEcb(alg, smk, encodePinBlock(pin, blockSize(alg)));
  }
  if (header[4] !== body.length + 4) {
    throw new HsmInputError(
      'APDU命令头',
      `Lc ${header[4]} does not match ${body.length + 4} bytes of data`,
    );
  }
  return hex(concatBytes([header, body, mac(alg, smk, concatBytes([header, body]))]));
}
