// The test key scheme of KEYS.md, in code: master keys from public labels, diversified by the
// factors of protocol/cards/diversification.ts (kiosk-cards.md §1.8, §3), and the key ids and HSM
// key addresses of protocol/cards that name the keys (S7 appendix B). TEST KEYS ONLY: every key
// here is derived from a label anyone can read; no production key may ever be added.

import { createHash } from 'node:crypto';
import { fromHex } from '../../protocol/bytes.ts';
import {
  healthDiversificationFactors,
  sscDiversificationFactors,
} from '../../protocol/cards/diversification.ts';
import { HEALTH_PSAM_KEYS, type HealthDf } from '../../protocol/cards/health.ts';
import { SSC_HSM_KEY_ADDRESSES, SSC_KEY_IDS, type SscKeyName } from '../../protocol/cards/ssc.ts';
import { diversify, type CardAlgorithm } from '../cos/crypto.ts';

/** Keys of the social security card (S7 table B names) and of the health card (ours, §3). */
export type KeyName = SscKeyName | `HC-${'RK' | 'UK'}-${HealthDf}`;

/** KEYS.md §1: MK(name, alg) = the first 16 bytes of SHA-256("kiosk-reader TEST key <name> <alg>"). */
export function masterKey(name: KeyName, alg: CardAlgorithm): Uint8Array {
  const digest = createHash('sha256')
    .update(`kiosk-reader TEST key ${name} ${alg}`, 'utf8')
    .digest();
  return new Uint8Array(digest.subarray(0, 16));
}

/** KEYS.md §1: K = diversify(…diversify(MK, F1)…, Fn), the factors in order. */
export function diversifyChain(
  alg: CardAlgorithm,
  key: Uint8Array,
  factors: readonly Uint8Array[],
): Uint8Array {
  let k = key;
  for (const f of factors) k = diversify(alg, k, f);
  return k;
}

/** KEYS.md §2: a social security card's own key. `cardIdHex` = 卡识别码, 32 hex digits. */
export function sscCardKey(name: KeyName, alg: CardAlgorithm, cardIdHex: string): Uint8Array {
  return diversifyChain(alg, masterKey(name, alg), sscDiversificationFactors(fromHex(cardIdHex)));
}

/** KEYS.md §3: a health card's own key (always SM4). */
export function healthCardKey(name: KeyName, atrHex: string, cityCodeHex: string): Uint8Array {
  return diversifyChain(
    'SM4',
    masterKey(name, 'SM4'),
    healthDiversificationFactors(fromHex(atrHex), fromHex(cityCodeHex)),
  );
}

/** KEYS.md §4: PSAM DELIVERY SESSION KEY P2 (S7 table B 标识) for the SSC algorithms 01/03. */
export const PSAM_SSC_KEY_IDS: Readonly<Record<number, KeyName>> = Object.fromEntries(
  Object.entries(SSC_KEY_IDS).map(([name, id]) => [id, name as SscKeyName]),
);

/** KEYS.md §4: PSAM DELIVERY SESSION KEY P2 for the health card (P1 47 read, 27 update). */
export const PSAM_HEALTH_KEY_IDS: Readonly<Record<number, Readonly<Record<number, KeyName>>>> = {
  [HEALTH_PSAM_KEYS.read.p1]: byKeyId(HEALTH_PSAM_KEYS.read.ids, 'HC-RK'),
  [HEALTH_PSAM_KEYS.update.p1]: byKeyId(HEALTH_PSAM_KEYS.update.ids, 'HC-UK'),
};

function byKeyId(ids: Readonly<Record<HealthDf, number>>, prefix: 'HC-RK' | 'HC-UK') {
  return Object.fromEntries(
    Object.entries(ids).map(([df, id]) => [id, `${prefix}-${df}` as KeyName]),
  ) as Readonly<Record<number, KeyName>>;
}

/** KEYS.md §6: HSM key logical addresses (S7 appendix B); every group 01–03 names one key. */
export const HSM_KEY_ADDRESSES: Readonly<Record<string, KeyName>> = Object.fromEntries(
  Object.entries(SSC_HSM_KEY_ADDRESSES).flatMap(([name, addresses]) =>
    addresses.map((address) => [address, name as SscKeyName]),
  ),
);
