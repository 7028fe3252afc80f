// 算法标识 of the social security card (kiosk-cards.md §1.5, S7 §10.1).

export type SscAlgorithm = 'DES' | 'SSF33' | 'SM4';

/** The identifier as the FCI (tag 86 inside 9F0C) and the HSM strings write it. */
export const ALGORITHM_IDS: Readonly<Record<SscAlgorithm, number>> = {
  DES: 0x01,
  SSF33: 0x02,
  SM4: 0x03,
};

export function algorithmOfId(id: number): SscAlgorithm | undefined {
  return id === 0x01 ? 'DES' : id === 0x02 ? 'SSF33' : id === 0x03 ? 'SM4' : undefined;
}

/** '01' | '02' | '03', as the HSM strings print it. */
export function algorithmIdText(alg: SscAlgorithm): string {
  return ALGORITHM_IDS[alg].toString(16).padStart(2, '0');
}

/** S7 §10.1: without 9F0C, a region code starting with "11" means SSF33, anything else DES. */
export function defaultAlgorithm(regionCode: string): SscAlgorithm {
  return regionCode.startsWith('11') ? 'SSF33' : 'DES';
}

/** Cipher block size: SSF33 and SM4 are 16-byte ciphers, DES 8 (S2 §8.4). */
export function algorithmBlockSize(alg: SscAlgorithm): 8 | 16 {
  return alg === 'DES' ? 8 : 16;
}
