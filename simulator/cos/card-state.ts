// The volatile state of a card session (ISO/IEC 7816-4 §5.4): current DF and EF, record pointer,
// security status, the last challenge, the PSAM session key. Lost on reset; the security status
// is also lost when the current DF changes (kiosk-cards.md §1.7: EF06 needs RKSSSE again after
// leaving SSSE). Persistent data (files, PIN and key try counters) lives in the file tree.

import type { CardAlgorithm } from './crypto.ts';
import { dfChain, type CardKey, type CardPin, type DfNode, type EfNode } from './file-system.ts';

/** The keys a PSAM holds for DELIVERY SESSION KEY (KEYS.md §4). */
export interface PsamKeyStore {
  /** The master key (KEYS.md §1), or undefined when this PSAM lacks it. */
  masterKey(name: string, alg: CardAlgorithm): Uint8Array | undefined;
  /** Whether the PSAM has the algorithm at all (6A81 otherwise). */
  hasAlgorithm(alg: CardAlgorithm): boolean;
  /**
   * P1/P2 of DELIVERY SESSION KEY → algorithm and key name (KEYS.md §4); null for an unknown
   * key id; 'unsupported-algorithm' for an algorithm the PSAM family lacks (SSF33).
   */
  keyFor(
    p1: number,
    p2: number,
  ): { alg: CardAlgorithm; name: string } | 'bad-p1' | 'unsupported-algorithm' | null;
}

export class CardState {
  currentDf: DfNode;
  currentEf: EfNode | null = null;
  /** Current record number (1-based) of the current EF; 0 = none. */
  recordPointer = 0;
  /** Keys authenticated by EXTERNAL AUTHENTICATE in the current DF. */
  readonly authenticated = new Set<CardKey>();
  /** PINs verified in the current DF. */
  readonly verified = new Set<CardPin>();
  /** The last GET CHALLENGE answer, until consumed (KEYS.md §2). */
  challenge: Uint8Array | null = null;
  /** PSAM: the session key of the last DELIVERY SESSION KEY. */
  psamSession: { alg: CardAlgorithm; sk: Uint8Array } | null = null;

  constructor(
    readonly mf: DfNode,
    /** The card's seeded random source, [0, 1). */
    readonly random: () => number,
    readonly psam: PsamKeyStore | null,
  ) {
    this.currentDf = mf;
  }

  reset(): void {
    this.currentDf = this.mf;
    this.currentEf = null;
    this.recordPointer = 0;
    this.clearSecurity();
    this.challenge = null;
    this.psamSession = null;
  }

  clearSecurity(): void {
    this.authenticated.clear();
    this.verified.clear();
  }

  /** Makes `df` current; a different DF loses the security status. */
  enterDf(df: DfNode): void {
    if (df !== this.currentDf) this.clearSecurity();
    this.currentDf = df;
    this.currentEf = null;
    this.recordPointer = 0;
  }

  selectEf(ef: EfNode): void {
    this.enterDf(ef.parent);
    this.currentEf = ef;
    this.recordPointer = 0;
  }

  /**
   * ISO 7816-4 §7.5.3: a reference with b8 = 1 is specific to the current DF; otherwise the
   * card searches the current DF, then its parents. `id` is P2.
   */
  findPin(ref: number): CardPin | undefined {
    for (const df of this.scope(ref)) {
      const pin = df.pins.find((p) => p.ref === (ref & 0x7f));
      if (pin) return pin;
    }
    return undefined;
  }

  findKey(id: number, usage: CardKey['usage']): CardKey | undefined {
    for (const df of this.scope(id)) {
      const key = df.keys.find((k) => k.usage === usage && k.ids.includes(id & 0x7f));
      if (key) return key;
    }
    return undefined;
  }

  /** Keys of one usage visible from the current DF, nearest first. */
  currentDfKeys(usage: CardKey['usage']): CardKey[] {
    return dfChain(this.currentDf).flatMap((df) => df.keys.filter((k) => k.usage === usage));
  }

  findKeyByName(name: string): CardKey | undefined {
    for (const df of dfChain(this.currentDf)) {
      const key = df.keys.find((k) => k.name === name);
      if (key) return key;
    }
    return undefined;
  }

  /** The keys of PIN reload/unblock for `pin`, or null when the card has none. */
  pinReload(pin: CardPin): { authKey: string; smKey: CardKey } | null {
    if (!pin.reloadAuthKey || !pin.reloadSmKey) return null;
    const smKey = this.findKeyByName(pin.reloadSmKey);
    return smKey ? { authKey: pin.reloadAuthKey, smKey } : null;
  }

  isAuthenticated(keyName: string): boolean {
    for (const k of this.authenticated) if (k.name === keyName) return true;
    return false;
  }

  randomBytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.random() * 256) & 0xff;
    return out;
  }

  private scope(ref: number): DfNode[] {
    return ref & 0x80 ? [this.currentDf] : dfChain(this.currentDf);
  }
}
