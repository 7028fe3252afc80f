// The national reader interface as the service offers it (kiosk-cards.md §2–§4): each function
// returns what the DLL returns — the code and pOutInfo (every field followed by `|`) — as UTF-8
// JSON, with the GBK bytes in hex on request. The social security card functions are host/cards'
// SscNationalInterface and SscNationalPin (the PIN on the reader's keypad); the health-card reads
// follow the widely used `iR_DDF1EF0xInfo` functions (their parameters, in order, as the fields);
// the bank number follows the vendor function `iReadBankNumber`.
import {
  CardError,
  SscNationalInterface,
  SscNationalPin,
  nationalCodeText,
  toCardError,
  type CardChannel,
  type CardSession,
  type HealthCardData,
  type NationalReply,
  readBankCard,
  readHealthCard,
} from '../index.ts';
import { NationalCode } from '../cards/national-codes.ts';
import { SW, swTriesLeftOf } from '../../protocol/iso7816/status-words.ts';
import { toHex } from '../iso7816/hex.ts';
import { encodeGb18030 } from '../iso7816/text.ts';
import { ServiceError } from './errors.ts';
import type { Caller, CardOperations } from './operations.ts';
import { pinOutcomeError } from './pin.ts';
import type { SecureChannel } from '../pin/secure-channel.ts';
import type { HubReader } from './reader-hub.ts';
import type { SessionManager, SessionOwner } from './sessions.ts';

export const NATIONAL_FUNCTIONS = [
  'iReadCardBas',
  'iReadCardBas_HSM_Step1',
  'iReadCardBas_HSM_Step2',
  'iReadCard',
  'iVerifyPIN',
  'iChangePIN',
  'iR_DDF1EF05Info',
  'iR_DDF1EF06Info',
  'iR_DDF1EF08Info',
  'iReadBankNumber',
] as const;
export type NationalFunction = (typeof NATIONAL_FUNCTIONS)[number];

export interface NationalArgs {
  iType?: number;
  iAuthType?: number;
  pCardInfo?: string;
  pFileAddr?: string;
  pKey?: string;
}

export interface NationalResult {
  code: number;
  pOutInfo: string;
  /** pOutInfo in GBK, hex (on request). */
  gbkHex?: string;
}

/**
 * Return codes of the health-card interface (wsb_rwinterface, kiosk-cards.md §3): IRV_OK and the
 * 10x errors, with the text this service puts in pOutInfo on failure.
 */
export const HealthCode = {
  OK: 0,
  PARAMETER: 101,
  NO_FILE: 102,
  READ_RECORD: 103,
  CARD: 104,
  PSAM: 105,
  AUTHENTICATION: 106,
} as const;

const HEALTH_TEXT: Record<number, string> = {
  101: '参数错误',
  102: '无此文件',
  103: '读记录错误',
  104: '卡片错误',
  105: 'PSAM卡错误',
  106: '认证失败',
};

const fields = (values: readonly string[]): string => values.map((v) => `${v}|`).join('');

const HEALTH_FUNCTIONS: ReadonlySet<NationalFunction> = new Set([
  'iR_DDF1EF05Info',
  'iR_DDF1EF06Info',
  'iR_DDF1EF08Info',
]);

const kebab = (name: string): string => name.toLowerCase().replace(/_/g, '-');

/** The named national codes as metric outcomes: 'no-card', 'pin-wrong', 'psam-no-rksse', …. */
const NATIONAL_OUTCOMES: ReadonlyMap<number, string> = new Map(
  Object.entries(NationalCode).map(([name, code]) => [code, kebab(name)]),
);
const HEALTH_OUTCOMES: ReadonlyMap<number, string> = new Map(
  Object.entries(HealthCode)
    .filter(([, code]) => code !== HealthCode.OK)
    .map(([name, code]) => [code, `health-${kebab(name)}`]),
);

/**
 * The metrics outcome of a national function's code: one of a small fixed set (the named codes,
 * the health interface's codes, 'card-status-word' for a card's SW passed on as −SW, 'other'),
 * never the code itself — a label per status word would be a series per status word.
 */
export function nationalOutcome(fn: NationalFunction, code: number): string {
  if (code === 0) return 'ok';
  if (HEALTH_FUNCTIONS.has(fn)) return HEALTH_OUTCOMES.get(code) ?? 'other';
  const named = NATIONAL_OUTCOMES.get(code);
  if (named) return named;
  return code < 0 && -code <= 0xffff ? 'card-status-word' : 'other';
}

/** PIN entries on the keypad in a call: their time is part of its deadline. */
function pinsOf(fn: NationalFunction, args: NationalArgs): number {
  if (fn === 'iVerifyPIN') return 1;
  if (fn === 'iChangePIN') return 3;
  return fn === 'iReadCard' && args.iAuthType === 1 ? 1 : 0;
}

/** The reader iReadCardBas_HSM_Step1 keeps for its caller until Step2. */
interface HsmReservation {
  readonly reader: string;
  readonly sessionId: string;
}

export interface NationalOptions {
  terminalDeviceNumber: string;
  sessions: SessionManager;
  /** How long Step1 keeps the reader for its caller, waiting for Step2. */
  hsmStepMs: number;
}

export class NationalService {
  readonly #ops: CardOperations;
  /** One SscNationalInterface per reader and application: the HSM steps keep state between calls. */
  readonly #ssc = new Map<string, SscNationalInterface>();
  readonly #terminalDeviceNumber: string;
  readonly #sessions: SessionManager;
  readonly #hsmStepMs: number;
  /** By caller (application and client): the reader its Step1 holds until its Step2. */
  readonly #reservations = new Map<string, HsmReservation>();

  constructor(ops: CardOperations, options: NationalOptions) {
    this.#ops = ops;
    this.#terminalDeviceNumber = options.terminalDeviceNumber;
    this.#sessions = options.sessions;
    this.#hsmStepMs = options.hsmStepMs;
  }

  /**
   * Runs a national function. iReadCardBas_HSM_Step1 from a caller without a session of its own
   * keeps the reader for that caller (a short exclusive session, limits.hsmStepMs idle) until its
   * Step2, so that no other application's operation replaces the card's challenge in between:
   * others get 409 reader-busy meanwhile. Step2, any other national call of the same caller, the
   * timeout, or the caller's WebSocket closing (X-Client-Id) ends it.
   */
  async call(
    caller: Caller,
    fn: NationalFunction,
    args: NationalArgs,
    readerId: string | undefined,
    gbk: boolean,
  ): Promise<NationalResult> {
    if (fn === 'iVerifyPIN' || fn === 'iChangePIN') this.#ops.takePinAllowance(caller);
    let result: { code: number; pOutInfo: string };
    try {
      result = await this.#reserving(caller, fn, readerId, (c, reader) =>
        this.#ops.run(
          c,
          reader,
          `national.${fn}`,
          (entry, signal) => this.#dispatch(c, entry, fn, args, signal),
          (r) => nationalOutcome(fn, r.code),
          this.#ops.deadlineMs(pinsOf(fn, args)),
        ),
      );
    } catch (e) {
      // No reader at all is what the DLL reports when it cannot open the port.
      if (e instanceof ServiceError && e.code === 'no-reader')
        result = named(NationalCode.READER_CONNECTION);
      else throw e;
    }
    return gbk ? { ...result, gbkHex: toHex(encodeGb18030(result.pOutInfo)) } : result;
  }

  /** The HSM steps' reservation around `run` (see call). */
  async #reserving(
    caller: Caller,
    fn: NationalFunction,
    readerId: string | undefined,
    run: (
      caller: Caller,
      readerId: string | undefined,
    ) => Promise<{ code: number; pOutInfo: string }>,
  ): Promise<{ code: number; pOutInfo: string }> {
    if (caller.sessionId !== undefined) return run(caller, readerId);
    const key = `${caller.application}\n${caller.clientId ?? ''}`;
    const held = this.#reservations.get(key);
    this.#reservations.delete(key);
    const live =
      held && this.#sessions.holder(held.reader)?.id === held.sessionId ? held : undefined;
    if (fn === 'iReadCardBas_HSM_Step2' && live && (readerId ?? live.reader) === live.reader) {
      try {
        return await run({ ...caller, sessionId: live.sessionId }, live.reader);
      } finally {
        this.#sessions.release(live.sessionId, 'released');
      }
    }
    // The caller moved on from its HSM path: the reader is free again.
    if (live) this.#sessions.release(live.sessionId, 'released');
    if (fn !== 'iReadCardBas_HSM_Step1') return run(caller, readerId);
    const owner: SessionOwner = {
      application: caller.application,
      ...(caller.clientId !== undefined ? { clientId: caller.clientId } : {}),
    };
    const reader = this.#ops.hub.pick(readerId).id;
    for (const [k, r] of this.#reservations)
      if (this.#sessions.holder(r.reader)?.id !== r.sessionId) this.#reservations.delete(k);
    const session = await this.#sessions.acquire(reader, owner, { timeoutMs: this.#hsmStepMs });
    let kept = false;
    try {
      const result = await run({ ...caller, sessionId: session.id }, reader);
      kept = result.code === 0 && this.#sessions.holder(reader)?.id === session.id;
      if (kept) this.#reservations.set(key, { reader, sessionId: session.id });
      return result;
    } finally {
      if (!kept) this.#sessions.release(session.id, 'released');
    }
  }

  async #dispatch(
    caller: Caller,
    entry: HubReader,
    fn: NationalFunction,
    a: NationalArgs,
    signal: AbortSignal | undefined,
  ): Promise<{ code: number; pOutInfo: string }> {
    const ssc = this.#sscFor(caller, entry, signal);
    const iType = a.iType ?? 1;
    switch (fn) {
      case 'iReadCardBas':
        return plain(await ssc.iReadCardBas(iType));
      case 'iReadCardBas_HSM_Step1':
        return plain(await ssc.iReadCardBas_HSM_Step1(iType));
      case 'iReadCardBas_HSM_Step2':
        return plain(await ssc.iReadCardBas_HSM_Step2(a.pKey ?? ''));
      case 'iReadCard':
        return plain(
          await ssc.iReadCard(iType, a.iAuthType ?? 0, a.pCardInfo ?? '', a.pFileAddr ?? ''),
        );
      case 'iVerifyPIN':
      case 'iChangePIN':
        return this.#pin(caller, entry, fn === 'iVerifyPIN' ? 'verify' : 'change', iType, signal);
      case 'iR_DDF1EF05Info':
      case 'iR_DDF1EF06Info':
      case 'iR_DDF1EF08Info':
        return this.#health(entry, fn, iType);
      case 'iReadBankNumber':
        return this.#bank(entry, iType);
    }
  }

  /** host/cards' SscNationalPin on the reader's keypad, with the service's events and signal. */
  async #pin(
    caller: Caller,
    entry: HubReader,
    operation: 'verify' | 'change',
    iType: number,
    signal: AbortSignal | undefined,
  ): Promise<{ code: number; pOutInfo: string }> {
    let pad: SecureChannel | undefined;
    const national = new SscNationalPin({
      pinPad: async (t) => {
        await this.#card(entry, t);
        if (!pad)
          throw new CardError(NationalCode.UNSUPPORTED_COMMAND, 'this reader has no PIN pad', {
            role: 'caller',
          });
        return pad;
      },
    });
    try {
      const reply = await this.#ops.onKeypad(
        caller,
        entry,
        operation,
        signal,
        (channel) => {
          pad = channel;
          return operation === 'verify' ? national.iVerifyPIN(iType) : national.iChangePIN(iType);
        },
        (r) =>
          r.data?.outcome ??
          nationalOutcome(operation === 'verify' ? 'iVerifyPIN' : 'iChangePIN', r.code),
      );
      return plain(reply);
    } catch (e) {
      if (e instanceof ServiceError && e.code === 'pin-pad-unavailable')
        return named(NationalCode.UNSUPPORTED_COMMAND);
      return failure(e);
    }
  }

  async #health(
    entry: HubReader,
    fn: 'iR_DDF1EF05Info' | 'iR_DDF1EF06Info' | 'iR_DDF1EF08Info',
    iType: number,
  ): Promise<{ code: number; pOutInfo: string }> {
    let data: HealthCardData;
    try {
      const card = await this.#card(entry, iType);
      // EF05 is free to read; EF06 and EF08 need the DDF1 key through the PSAM.
      const psam = await this.#ops.psam(entry);
      data = await readHealthCard(card, { psam });
    } catch (e) {
      const code = healthCodeOf(e);
      return { code, pOutInfo: `${HEALTH_TEXT[code]}|` };
    }
    const i = data.issuer;
    const h = data.holder;
    switch (fn) {
      case 'iR_DDF1EF05Info':
        // KLB GFBB FKJGMC FKJGDM FKJGZS FKSJ KH AQM XPXLH YYCSDM; the certificate (FKJGZS) is
        // not read by host/cards and stays empty.
        return {
          code: 0,
          pOutInfo: fields([
            i.cardType,
            i.specVersion,
            i.issuerName,
            i.issuerCode,
            '',
            i.issueDate,
            i.cardNumber,
            i.securityCode,
            i.chipSerial,
            i.cityCode,
          ]),
        };
      case 'iR_DDF1EF06Info':
        // XM XB MZ CSRQ SFZH
        return { code: 0, pOutInfo: fields([h.name, h.sex, h.ethnicity, h.birthDate, h.idNumber]) };
      case 'iR_DDF1EF08Info':
        // KYXQ BRDH1 BRDH2 YLFYZFFS1..3
        return {
          code: 0,
          pOutInfo: fields([h.expiryDate, h.phone1, h.phone2, ...h.paymentMethods]),
        };
    }
  }

  async #bank(entry: HubReader, iType: number): Promise<{ code: number; pOutInfo: string }> {
    try {
      const card = await this.#card(entry, iType);
      const bank = await readBankCard(card);
      return { code: 0, pOutInfo: fields([bank.pan]) };
    } catch (e) {
      return failure(e);
    }
  }

  /** The user card for iType: our readers are contact readers (iType 2 has no card to offer). */
  async #card(entry: HubReader, iType: number): Promise<CardSession> {
    if (iType !== 1 && iType !== 2 && iType !== 3 && iType !== 4)
      throw new CardError(NationalCode.BAD_PARAMETERS, `iType must be 1, 2, 3 or 4, got ${iType}`, {
        role: 'caller',
      });
    if (iType === 2)
      throw new CardError(
        NationalCode.UNSUPPORTED_COMMAND,
        'this reader has no contactless interface',
        {
          role: 'caller',
        },
      );
    return this.#ops.userCard(entry);
  }

  #sscFor(caller: Caller, entry: HubReader, signal: AbortSignal | undefined): SscNationalInterface {
    const key = `${entry.id}\n${caller.application}`;
    let ssc = this.#ssc.get(key);
    if (!ssc) {
      ssc = new SscNationalInterface({
        card: (iType) => this.#card(entry, iType),
        psam: async () => (await this.#ops.psam(entry))?.channel,
        terminalDeviceNumber: this.#terminalDeviceNumber,
        // iReadCard with iAuthType 1: the holder types the PIN on the reader's keypad.
        verifyPin: async (card: CardChannel) => {
          const outcome = await this.#ops.pinEntry(
            caller,
            entry,
            'verify',
            {},
            this.#signal,
            card as CardSession,
          );
          const error = outcome.outcome === 'mismatch' ? undefined : pinOutcomeError(outcome);
          if (error) throw error;
        },
      });
      this.#ssc.set(key, ssc);
    }
    this.#signal = signal;
    return ssc;
  }

  /** The signal of the operation running now (one at a time per reader, see operations.ts). */
  #signal: AbortSignal | undefined;
}

function plain(reply: NationalReply): { code: number; pOutInfo: string } {
  return { code: reply.code, pOutInfo: reply.pOutInfo };
}

function named(code: number): { code: number; pOutInfo: string } {
  return { code, pOutInfo: nationalCodeText(code).zh };
}

function failure(e: unknown): { code: number; pOutInfo: string } {
  if (e instanceof ServiceError) throw e;
  const err = toCardError(e);
  return { code: err.code, pOutInfo: err.text };
}

/** A failure of a health-card read as the interface's code. */
export function healthCodeOf(e: unknown): number {
  if (e instanceof ServiceError) throw e;
  const err = toCardError(e);
  const sw = err.details.sw;
  if (err.details.role === 'caller') return HealthCode.PARAMETER;
  if (err.details.role === 'psam' || err.code === NationalCode.NO_PSAM) return HealthCode.PSAM;
  if (sw === SW.FILE_NOT_FOUND) return HealthCode.NO_FILE;
  if (sw === SW.RECORD_NOT_FOUND || /READ RECORD/.test(err.details.command ?? ''))
    return HealthCode.READ_RECORD;
  if (
    err.code === NationalCode.INTERNAL_AUTH_FAILED ||
    (sw !== undefined &&
      (swTriesLeftOf(sw) !== undefined ||
        sw === SW.SECURITY_NOT_SATISFIED ||
        sw === SW.VERIFICATION_FAILED))
  )
    return HealthCode.AUTHENTICATION;
  return HealthCode.CARD;
}
