// iReadCard (kiosk-cards.md §2.5): items of any SSC file by file address. One SELECT per DF
// change, one READ RECORD per linear file (all records by SFI), authentication only when the card
// answers 6982 (security status not satisfied), with the DF's read key (S7 table B) through the
// PSAM, or the HSM, or the keypad PIN where the file allows "PIN or RK" (iAuthType 1).
import { SSC_DF_AIDS, SSC_HSM_KEY_ADDRESSES, SSSE_AID } from '../../../protocol/cards/ssc.ts';
import { SW } from '../../../protocol/iso7816/status-words.ts';
import { fromHex, toHex } from '../../iso7816/hex.ts';
import { parseSimpleTlvs } from '../../iso7816/simple-tlv.ts';
import { decodeAn } from '../../iso7816/text.ts';
import { CardError } from '../card-error.ts';
import type { CardChannel } from '../channel.ts';
import { NationalCode } from '../national-codes.ts';
import type { Psam } from '../psam/psam.ts';
import { command, transceive } from '../transceive.ts';
import { algorithmBlockSize, algorithmIdText } from './algorithm.ts';
import { KEY_IDS, externalAuthenticate, getChallenge, type SscKeyName } from './card-auth.ts';
import { sscDiversificationFactors } from './diversification.ts';
import {
  formatFileResults,
  parseCardInfo,
  parseFileAddress,
  type FileRequest,
} from './file-address.ts';
import { askHsm } from './hsm-path.ts';
import { formatHsmExternalAuth, parseHsmAuthAnswer, type HsmFunction } from './hsm.ts';
import { identifySsc, type SscIdentity } from './identify.ts';
import { HSM_FALLBACK_CODES, psamError, type RandomSource } from './psam-path.ts';
import { EF06_LENGTH, withCards } from './read-basic.ts';
import { selectSsse } from './ssse.ts';

export interface ReadCardOptions {
  authType: 'pin' | 'key';
  cardInfo: string;
  fileAddress: string;
  psam?: Psam;
  hsm?: HsmFunction;
  random: RandomSource;
  verifyPin?: (card: CardChannel) => Promise<void>;
}

export interface FileResult {
  file: string;
  /** Linear files: one value per requested item. Cyclic files: one value per record, items joined by ^. */
  fields: string[];
}

/** Read keys per DF (S7 table B); DF03 has two (RK2DF03 for unemployment insurance). */
const READ_KEYS: Readonly<Record<string, readonly SscKeyName[]>> = {
  SSSE: ['RKSSSE'],
  DF01: ['RK1DF01'],
  DF02: ['RK1DF02'],
  DF03: ['RK1DF03', 'RK2DF03'],
  DF04: ['RK1DF04'],
};

/** The HSM key group the host asks for (S7 appendix B; the groups' meaning is UNCONFIRMED). */
const HSM_KEY_GROUP = 0;

/** Files whose read condition is "PIN or RK" (§1.2: DF01 public application). */
const PIN_OR_KEY_DFS = new Set(['DF01']);
/** Cyclic record files (§1.2). */
const CYCLIC = new Set(['DF02EF07', 'DF02EF16', 'DF04EF08']);
/** Transparent files (§1.2: fingerprint and photo). */
const TRANSPARENT = new Set(['SSSEEF07', 'SSSEEF08']);

/** The largest transparent file we read (the photo is 0x1000 bytes). */
const MAX_BINARY = 0x8000;

export async function readCardFiles(
  card: CardChannel,
  o: ReadCardOptions,
): Promise<{ national: string; files: FileResult[] }> {
  const requests = parseFileAddress(o.fileAddress);
  const info = parseCardInfo(o.cardInfo);
  return withCards(card, o.psam, async () => {
    const id = await identifySsc(card);
    if (id.issuer.cardId !== info.cardId || id.issuer.cardNumber !== info.cardNumber)
      throw new CardError(
        NationalCode.DATA_MISMATCH,
        'pCardInfo does not match the card (卡识别码 or 卡号 differ)',
        { role: 'caller' },
      );
    const reader = new FileReader(card, id, o);
    const files: FileResult[] = [];
    for (const r of requests) files.push({ file: r.name, fields: await reader.read(r) });
    return {
      national: formatFileResults(files.map((f) => ({ name: f.file, fields: f.fields }))),
      files,
    };
  });
}

class FileReader {
  #df = 'SSSE';
  readonly #authenticated = new Set<string>();

  constructor(
    readonly card: CardChannel,
    readonly id: SscIdentity,
    readonly o: ReadCardOptions,
  ) {}

  async read(r: FileRequest): Promise<string[]> {
    await this.#select(r.df);
    const key = `${r.df}EF${(r.ef & 0xff).toString(16).toUpperCase().padStart(2, '0')}`;
    const read = (): Promise<string[]> =>
      TRANSPARENT.has(key) ? this.#binary(r) : CYCLIC.has(key) ? this.#cyclic(r) : this.#linear(r);
    // Files the reference marks as protected are unlocked first, saving the 6982 round trip.
    if (this.#knownLocked(r.df, key) && !this.#authenticated.has(r.df)) await this.#unlock(r.df);
    try {
      return await read();
    } catch (e) {
      if (!(e instanceof CardError && e.details.sw === SW.SECURITY_NOT_SATISFIED)) throw e;
    }
    // 6982: unlock the DF once, then read again.
    await this.#unlock(r.df);
    return read();
  }

  /** §1.2: EF06 of a 3.0 card, EF07 and EF08 need RKSSSE; every DF01–DF04 file PIN or RK. */
  #knownLocked(df: string, key: string): boolean {
    if (df === 'SSSE')
      return (
        key === 'SSSEEF07' ||
        key === 'SSSEEF08' ||
        (key === 'SSSEEF06' && this.id.needsExternalAuthentication)
      );
    return df in READ_KEYS;
  }

  async #select(df: string): Promise<void> {
    if (df === this.#df) return;
    if (df === 'SSSE') {
      await selectSsse(this.card);
    } else {
      const aid = (SSC_DF_AIDS as Readonly<Record<string, string>>)[df];
      const cmd = aid
        ? { cla: 0, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(aid) }
        : { cla: 0, ins: 0xa4, p1: 0x00, p2: 0x00, data: fromHex(df) };
      // SELECT by name from a sibling DF: go back to SSSE first only if the card refuses.
      const r = await transceive(this.card, cmd, { label: `SELECT ${df}` });
      if (r.sw !== SW.OK) {
        if (this.#df !== 'SSSE')
          await command(
            this.card,
            { cla: 0, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(SSSE_AID) },
            { label: 'SELECT SSSE' },
          );
        await command(this.card, cmd, { label: `SELECT ${df}` });
      }
    }
    this.#df = df;
  }

  async #unlock(df: string): Promise<void> {
    if (this.#authenticated.has(df))
      throw new CardError(-0x6982, `${df}: still locked after authentication`, {
        role: 'card',
        sw: SW.SECURITY_NOT_SATISFIED,
      });
    this.#authenticated.add(df);
    if (this.o.authType === 'pin' && PIN_OR_KEY_DFS.has(df)) {
      if (!this.o.verifyPin)
        throw new CardError(
          NationalCode.UNSUPPORTED_COMMAND,
          'PIN entry is not available on this terminal',
          { role: 'caller' },
        );
      await this.o.verifyPin(this.card);
      return;
    }
    const keys = READ_KEYS[df];
    if (!keys)
      throw new CardError(-0x6982, `${df}: no read key known for this DF`, {
        role: 'card',
        sw: SW.SECURITY_NOT_SATISFIED,
      });
    let last: unknown;
    for (const key of keys) {
      try {
        await this.#externalAuthenticate(key);
        return;
      } catch (e) {
        last = e;
        if (!(
          e instanceof CardError &&
          e.details.role === 'card' &&
          (e.details.sw === SW.KEY_NOT_FOUND || e.details.sw === SW.SECURITY_NOT_SATISFIED)
        ))
          throw e;
      }
    }
    throw last;
  }

  /** One external authentication with `key`: the PSAM if it can, else the HSM. */
  async #externalAuthenticate(key: SscKeyName): Promise<void> {
    const keyId = KEY_IDS[key];
    const oi = this.o.random(8);
    const { psam, hsm } = this.o;
    let failure: CardError = CardError.named(NationalCode.NO_PSAM, 'no PSAM in the reader');
    if (psam) {
      const challenge = await getChallenge(this.card);
      try {
        const auth = await psam.authenticationData(
          {
            p1: this.id.algorithmId,
            keyId,
            factors: sscDiversificationFactors(this.id.issuer.cardId),
            processFactor: challenge,
          },
          oi,
          algorithmBlockSize(this.id.algorithm),
        );
        return externalAuthenticate(this.card, keyId, auth, oi);
      } catch (e) {
        failure = psamError(e, key === 'RKSSSE' ? 'RKSSSE' : 'IRK');
      }
    }
    if (!hsm || !HSM_FALLBACK_CODES.has(failure.code)) throw failure;
    const challenge = await getChallenge(this.card);
    const fields = {
      algorithmId: algorithmIdText(this.id.algorithm),
      keyAddress: SSC_HSM_KEY_ADDRESSES[key][HSM_KEY_GROUP],
      processFactor: toHex(challenge),
      originalInfo: toHex(oi),
    };
    const answer = parseHsmAuthAnswer(
      await askHsm(hsm, {
        kind: 'externalAuthenticate',
        ...fields,
        cardId: this.id.issuer.cardId,
        national: formatHsmExternalAuth(fields),
      }),
    );
    await externalAuthenticate(this.card, keyId, answer.authData, answer.originalInfo);
  }

  async #linear(r: FileRequest): Promise<string[]> {
    const sfi = r.ef & 0xff;
    // EF05 was read by identifySsc. Ne: the standard length of SSSE EF06, else 256 (a card that
    // wants the exact Le answers 6Cxx, and transceive asks again).
    const ne = r.df === 'SSSE' && sfi === 6 ? EF06_LENGTH : 256;
    const records =
      r.df === 'SSSE' && sfi === 5
        ? [...this.id.ef05].map(([tag, value]) => ({ tag, value }))
        : tlvs(
            await command(
              this.card,
              { cla: 0, ins: 0xb2, p1: 0x01, p2: (sfi << 3) | 0b101, ne },
              { label: `READ RECORD ${r.name}` },
            ),
            r.name,
          );
    return r.items.map((item) => {
      const hits = records.filter((t) => t.tag === item.tag);
      const hit = hits[item.occurrence - 1];
      if (!hit)
        throw new CardError(-0x6a83, `${r.name}: no item ${item.text}`, {
          role: 'card',
          sw: SW.RECORD_NOT_FOUND,
        });
      return renderItem(r.df, item.tag, hit.value);
    });
  }

  /**
   * A cyclic file in one READ RECORD (records 1 … last, newest first). Each record is one
   * SIMPLE-TLV object (§1.3), so the answer splits back into records; an empty file (6A83) has
   * none. Output: one field per record, the requested items of a record joined by ^ (§2.5).
   */
  async #cyclic(r: FileRequest): Promise<string[]> {
    const sfi = r.ef & 0xff;
    const label = `READ RECORD ${r.name}`;
    const resp = await transceive(
      this.card,
      { cla: 0, ins: 0xb2, p1: 1, p2: (sfi << 3) | 0b101, ne: 256 },
      { label },
    );
    if (resp.sw === SW.RECORD_NOT_FOUND) return [];
    if (resp.sw !== SW.OK) throw CardError.fromStatusWord(resp.sw, label);
    const records = tlvs(resp.data, r.name);
    const wanted = (tag: number): boolean =>
      r.items.length === 0 || r.items.some((i) => i.tag === tag);
    return records.filter((t) => wanted(t.tag)).map((t) => renderItem(r.df, t.tag, t.value));
  }

  async #binary(r: FileRequest): Promise<string[]> {
    const sfi = r.ef & 0xff;
    const parts: Uint8Array[] = [];
    let offset = 0;
    while (offset < MAX_BINARY) {
      // The first read names the EF by SFI (P1 b8 = 1); later reads use the offset in P1-P2.
      const p1 = offset === 0 ? 0x80 | sfi : offset >> 8;
      const resp = await transceive(
        this.card,
        { cla: 0, ins: 0xb0, p1, p2: offset & 0xff, ne: 256 },
        { label: `READ BINARY ${r.name}` },
      );
      if (resp.sw === SW.WRONG_OFFSET && offset > 0) break;
      if (resp.sw !== SW.OK && !(resp.sw1 === 0x62 && resp.data.length > 0))
        throw CardError.fromStatusWord(resp.sw, `READ BINARY ${r.name}`);
      parts.push(resp.data);
      offset += resp.data.length;
      if (resp.data.length < 256 || resp.sw !== SW.OK) break;
    }
    const all = new Uint8Array(offset);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return [toHex(all)];
  }
}

function tlvs(data: Uint8Array, name: string): { tag: number; value: Uint8Array }[] {
  try {
    return parseSimpleTlvs(data);
  } catch (e) {
    throw new CardError(
      NationalCode.WRONG_CARD_TYPE,
      `${name}: records are not SIMPLE-TLV (${(e as Error).message})`,
      { role: 'card', cause: e },
    );
  }
}

/** Item types of SSSE EF05/EF06 (§1.3): text, F-padded BCD, or hex as is. */
const SSSE_TYPES: Readonly<Record<number, 'an' | 'cn' | 'hex'>> = {
  0x01: 'hex',
  0x02: 'an',
  0x03: 'an',
  0x04: 'hex',
  0x05: 'cn',
  0x06: 'cn',
  0x07: 'an',
  0x08: 'an',
  0x09: 'an',
  0x4e: 'an',
  0x0a: 'an',
  0x0b: 'cn',
  0x0c: 'cn',
  0x0d: 'cn',
};

/**
 * An item as text. SSSE items by their S5 types; items of other DFs (whose types the reference
 * does not give) as text when they are printable GBK, otherwise as F-stripped hex.
 */
export function renderItem(df: string, tag: number, value: Uint8Array): string {
  const type = df === 'SSSE' ? SSSE_TYPES[tag] : undefined;
  if (type === 'hex') return toHex(value);
  if (type === 'cn') return toHex(value).replace(/F+$/, '');
  const text = tryText(value);
  if (type === 'an') return text ?? toHex(value);
  return text !== undefined && text.length > 0 ? text : toHex(value).replace(/F+$/, '');
}

function tryText(value: Uint8Array): string | undefined {
  try {
    const t = decodeAn(value);
    // eslint-disable-next-line no-control-regex
    return /[\u0000-\u001f\u007f]/.test(t) ? undefined : t;
  } catch {
    return undefined;
  }
}
