// The card's file tree (ISO/IEC 7816-4 §5.3 / §7): the MF and DFs, transparent and record EFs,
// with the keys, PINs and access conditions that live in each DF. Built from profile data by
// simulator/profiles/loader.ts; the card operating system (card-os.ts) mutates it.

import type { CardAlgorithm } from './crypto.ts';

/** Who may read or update an EF (kiosk-cards.md §1.2: "free", PIN, RK external authentication). */
export type AccessCondition =
  | { kind: 'always' }
  | { kind: 'never' }
  /** VERIFY with the PIN in this card session (since the last DF change). */
  | { kind: 'pin' }
  /** EXTERNAL AUTHENTICATE with the named key. */
  | { kind: 'key'; key: string }
  /** Either of the two (S7 §2.5: "PIN or RK", iAuthType). */
  | { kind: 'pin-or-key'; key: string }
  /** Secure messaging: CLA 04 and a MAC under the session key of the named key (KEYS.md §5). */
  | { kind: 'sm'; key: string };

export interface CardKey {
  /** Name in the test key scheme (KEYS.md), e.g. RKSSSE. */
  name: string;
  /** Key ids the card accepts in P2 (without the DF-specific bit 8). */
  ids: number[];
  usage: 'internal' | 'external' | 'sm';
  alg: CardAlgorithm;
  value: Uint8Array;
  version: number;
  /** External authentication try counter (persistent: survives reset). */
  maxTries: number;
  triesLeft: number;
}

export interface CardPin {
  /** Reference in VERIFY P2 (b8 = 0: global). */
  ref: number;
  /** The PIN's decimal digits (test data, never logged). */
  digits: string;
  maxTries: number;
  triesLeft: number;
  /** PIN reload/unblock (84 24): the key to authenticate first (PUK) and the SM key (STKSSSE). */
  reloadAuthKey: string | null;
  reloadSmKey: string | null;
}

export interface DfNode {
  kind: 'DF';
  /** For messages and --list-cards, e.g. "SSSE", "DF01". */
  label: string;
  fid: number | null;
  /** DF name (AID), for SELECT by name. */
  name: Uint8Array | null;
  /** The whole FCI (6F …) answered to SELECT with P2 = 00, or null for none. */
  fci: Uint8Array | null;
  parent: DfNode | null;
  children: FileNode[];
  keys: CardKey[];
  pins: CardPin[];
  /**
   * READ RECORD Le rule. 'exact': Le must equal the record length, Le = 00 included → 6Cxx
   * (SSC Part 5 §6.10.4, kiosk-cards.md §1.4). 'iso': Le = 00 means "all" (EMV, health card).
   */
  leRule: 'exact' | 'iso';
  /** GET PROCESSING OPTIONS response (format 1 or 2), for a payment application. */
  gpoResponse: Uint8Array | null;
}

export interface EfNode {
  kind: 'EF';
  label: string;
  fid: number | null;
  sfi: number | null;
  structure: 'transparent' | 'linear' | 'cyclic';
  parent: DfNode;
  read: AccessCondition;
  update: AccessCondition;
  /** Record files: record 1 first (for a cyclic file, record 1 is the newest). */
  records: Uint8Array[];
  /** Record files: the largest record the file takes. */
  maxRecordLength: number;
  /** Record files: the number of records the file takes (a cyclic file overwrites the oldest). */
  maxRecords: number;
  /** Transparent files: the body (its length is the file size). */
  body: Uint8Array;
}

export type FileNode = DfNode | EfNode;

export function isDf(node: FileNode): node is DfNode {
  return node.kind === 'DF';
}

/** DFs from `df` up to the MF, `df` first. */
export function dfChain(df: DfNode): DfNode[] {
  const out: DfNode[] = [];
  for (let d: DfNode | null = df; d; d = d.parent) out.push(d);
  return out;
}

/** Every DF of the tree, depth first in file order. */
export function allDfs(mf: DfNode): DfNode[] {
  const out: DfNode[] = [];
  const walk = (df: DfNode): void => {
    out.push(df);
    for (const c of df.children) if (isDf(c)) walk(c);
  };
  walk(mf);
  return out;
}

export function childByFid(df: DfNode, fid: number): FileNode | undefined {
  return df.children.find((c) => c.fid === fid);
}

export function efBySfi(df: DfNode, sfi: number): EfNode | undefined {
  return df.children.find((c): c is EfNode => c.kind === 'EF' && c.sfi === sfi);
}
