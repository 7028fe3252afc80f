// The national reader interface (SSCardDriver.dll, kiosk-cards.md §2; S7) over CardChannels:
// every function returns { code, pOutInfo } as the DLL does — 0 and the output string, or the
// error code and its text — plus the GBK bytes of pOutInfo and the typed data or error for JSON.
import { toHex } from '../../iso7816/hex.ts';
import { CardError, toCardError, type CardErrorJson } from '../card-error.ts';
import type { CardChannel } from '../channel.ts';
import { NationalCode } from '../national-codes.ts';
import { NO_TERMINAL_NUMBER, Psam } from '../psam/psam.ts';
import { formatCardBasic, nationalBytes, type SscBasicInfo } from './basic-info.ts';
import { finishHsm, prepareHsm, type PreparedHsm } from './hsm-path.ts';
import type { HsmFunction } from './hsm.ts';
import { identifySsc, type SscIdentity } from './identify.ts';
import type { RandomSource } from './psam-path.ts';
import { basicInfo, defaultRandom, readHolder, readSscBasic, withCards } from './read-basic.ts';
import { readCardFiles } from './read-card.ts';

/** iType (S7 §2.1): 1 contact, 2 contactless, 3 automatic contact first, 4 automatic contactless first. */
export type IType = 1 | 2 | 3 | 4;

/** What the national functions run on: the driver's cards, PSAM and HSM. */
export interface SscTerminal {
  /** The user card for iType. Throws (a driver error, best with `nationalCode` −2) when there is none. */
  card(iType: IType): Promise<CardChannel>;
  /** The PSAM in a SAM slot, or undefined when the reader has none. */
  psam?(): Promise<CardChannel | undefined>;
  /** The HSM, used by the driver itself when the PSAM cannot authenticate (S7 §10.5). */
  hsm?: HsmFunction;
  /** 终端设备号 (iReadCardBas field 11); '' by default. */
  terminalDeviceNumber?: string;
  random?: RandomSource;
  /**
   * PIN verification on the reader's keypad, for iReadCard with iAuthType 1. The PIN goes from
   * the keypad to the card inside the reader; the host never sees it.
   */
  verifyPin?(card: CardChannel): Promise<void>;
}

export interface NationalReply<T = unknown> {
  /** 0 = success, else the national error code. */
  code: number;
  /** The output string, or the error text on failure (S7 §2.1). */
  pOutInfo: string;
  /** pOutInfo in GBK, byte for byte what the DLL would write. */
  gbk: Uint8Array;
  /** Typed result on success. */
  data?: T;
  /** Typed error on failure. */
  error?: CardErrorJson;
}

/** A NationalReply for JSON (HTTP, WebSocket, CLI): the GBK bytes as hex. */
export interface NationalReplyJson<T = unknown> {
  code: number;
  pOutInfo: string;
  gbkHex: string;
  data?: T;
  error?: CardErrorJson;
}

export function nationalReplyJson<T>(reply: NationalReply<T>): NationalReplyJson<T> {
  return {
    code: reply.code,
    pOutInfo: reply.pOutInfo,
    gbkHex: toHex(reply.gbk),
    ...(reply.data !== undefined ? { data: reply.data } : {}),
    ...(reply.error ? { error: reply.error } : {}),
  };
}

export class SscNationalInterface {
  readonly #terminal: SscTerminal;
  readonly #psams = new WeakMap<CardChannel, Psam>();
  #hsmStep: { card: CardChannel; id: SscIdentity; prepared: PreparedHsm } | undefined;

  constructor(terminal: SscTerminal) {
    this.#terminal = terminal;
  }

  /** §2.3: read the basic information; PSAM authentication, the HSM when the PSAM cannot. */
  iReadCardBas(iType: number): Promise<NationalReply<SscBasicInfo>> {
    return this.#reply(async () => {
      const card = await this.#card(iType);
      const psam = await this.#psam();
      const info = await readSscBasic(card, {
        psam,
        hsm: this.#terminal.hsm,
        random: this.#terminal.random,
        terminalDeviceNumber: this.#terminal.terminalDeviceNumber,
      });
      return { out: formatCardBasic(info), data: info };
    });
  }

  /**
   * §2.4, spec form: `区划码|卡复位信息|算法标识|卡识别码|内部PF|内部OI|外部PF|外部OI|` (the external
   * fields empty for cards that are not 3.0). The card keeps its challenge until Step2.
   */
  iReadCardBas_HSM_Step1(
    iType: number,
  ): Promise<NationalReply<{ request: PreparedHsm['request'] }>> {
    return this.#reply(async () => {
      this.#hsmStep = undefined;
      const card = await this.#card(iType);
      const random = this.#terminal.random ?? defaultRandom;
      const { id, prepared } = await withCards(card, undefined, async () => {
        const id = await identifySsc(card);
        return { id, prepared: await prepareHsm(card, id, random) };
      });
      this.#hsmStep = { card, id, prepared };
      return { out: prepared.request.national, data: { request: prepared.request } };
    });
  }

  /** §2.4: pKey = `内部authData‖OI|外部authData‖OI|` → the 11-field output of §2.3. */
  iReadCardBas_HSM_Step2(pKey: string): Promise<NationalReply<SscBasicInfo>> {
    return this.#reply(async () => {
      const step = this.#hsmStep;
      if (!step)
        throw new CardError(
          NationalCode.BAD_PARAMETERS,
          'iReadCardBas_HSM_Step2 needs iReadCardBas_HSM_Step1 first',
          { role: 'caller' },
        );
      this.#hsmStep = undefined; // the card's challenge is single-use
      const psam = await this.#psam();
      const info = await withCards(step.card, psam, async () => {
        await finishHsm(step.card, step.prepared, pKey);
        const holder = await readHolder(step.card, step.id);
        const terminalNumber = psam
          ? await psam.terminalNumber().catch(() => NO_TERMINAL_NUMBER)
          : NO_TERMINAL_NUMBER;
        return basicInfo(
          step.id,
          holder,
          terminalNumber,
          this.#terminal.terminalDeviceNumber ?? '',
          'hsm',
        );
      });
      return { out: formatCardBasic(info), data: info };
    });
  }

  /**
   * §2.5: read items by file address, `SSSEEF05|06|07|$DF01EF0A|01|$`; pCardInfo `卡识别码|卡号|`
   * must match the card (−22). iAuthType 1 = PIN, 2 = RK key, for files readable "PIN or RK".
   */
  iReadCard(
    iType: number,
    iAuthType: number,
    pCardInfo: string,
    pFileAddr: string,
  ): Promise<NationalReply<{ files: unknown }>> {
    return this.#reply(async () => {
      if (iAuthType !== 1 && iAuthType !== 2)
        throw new CardError(
          NationalCode.BAD_PARAMETERS,
          `iAuthType must be 1 (PIN) or 2 (RK key), got ${iAuthType}`,
          { role: 'caller' },
        );
      const card = await this.#card(iType);
      const psam = await this.#psam();
      const result = await readCardFiles(card, {
        authType: iAuthType === 1 ? 'pin' : 'key',
        cardInfo: pCardInfo,
        fileAddress: pFileAddr,
        psam,
        hsm: this.#terminal.hsm,
        random: this.#terminal.random ?? defaultRandom,
        verifyPin: this.#terminal.verifyPin?.bind(this.#terminal),
      });
      return { out: result.national, data: { files: result.files } };
    });
  }

  async #card(iType: number): Promise<CardChannel> {
    if (iType !== 1 && iType !== 2 && iType !== 3 && iType !== 4)
      throw new CardError(NationalCode.BAD_PARAMETERS, `iType must be 1, 2, 3 or 4, got ${iType}`, {
        role: 'caller',
      });
    try {
      return await this.#terminal.card(iType);
    } catch (e) {
      const err = toCardError(e, 'card');
      // A driver error without a national code here means there is no card to talk to.
      throw err.code === NationalCode.CARD_NO_ANSWER &&
        (e as { nationalCode?: unknown })?.nationalCode === undefined
        ? new CardError(NationalCode.NO_CARD, err.message, { role: 'card', cause: e })
        : err;
    }
  }

  async #psam(): Promise<Psam | undefined> {
    const channel = await this.#terminal.psam?.().catch(() => undefined);
    if (!channel) return undefined;
    let psam = this.#psams.get(channel);
    if (!psam) this.#psams.set(channel, (psam = new Psam(channel)));
    return psam;
  }

  async #reply<T>(fn: () => Promise<{ out: string; data: T }>): Promise<NationalReply<T>> {
    try {
      const { out, data } = await fn();
      return { code: 0, pOutInfo: out, gbk: nationalBytes(out), data };
    } catch (e) {
      // Every expected failure is a CardError by now (the channel's errors are wrapped where they
      // arise); anything else is a bug here, still answered with a code, but named as such.
      const err =
        e instanceof CardError
          ? e
          : new CardError(
              NationalCode.CARD_NO_ANSWER,
              `internal error: ${e instanceof Error ? e.message : String(e)}`,
              {
                cause: e,
              },
            );
      return {
        code: err.code,
        pOutInfo: err.text,
        gbk: nationalBytes(err.text),
        error: err.toJSON(),
      };
    }
  }
}
