// The PSAM (SAM) card in the reader's SAM slot: its terminal number, and the two commands that
// let it authenticate user cards (kiosk-cards.md §1.11; simulator/profiles/KEYS.md §4):
//   DELIVERY SESSION KEY  80 DE <P1> <P2> Lc F1 … Fn PF  → derives the card key and session key
//   CIPHER DATA           80 FA 00 00 Lc data            → data enciphered under the session key
import { SW } from '../../../protocol/iso7816/status-words.ts';
import { toHex } from '../../iso7816/hex.ts';
import { CardError } from '../card-error.ts';
import type { CardChannel } from '../channel.ts';
import { NationalCode } from '../national-codes.ts';
import { command, transceive } from '../transceive.ts';

/** EF 0016: 终端机编号, 6 bytes cn (12 digits, the first 6 the city code). */
export const EF_TERMINAL_INFO = 0x16;
export const TERMINAL_NUMBER_LENGTH = 6;
/** What `iReadCardBas` prints when there is no PSAM (§1.11). */
export const NO_TERMINAL_NUMBER = '000000000000';

export interface SessionKeyRequest {
  /** P1: the algorithm for the SSC (01 DES/3DES, 03 SM4), or the health card's usage (47, 27). */
  p1: number;
  /** P2: key id (S7 table B for the SSC: 08 IRK, 0A RKSSSE …; health card 31–34, 2A–2D). */
  keyId: number;
  /** Diversification factors, 8 bytes each, 0 … 3 of them. */
  factors: readonly Uint8Array[];
  /** Process factor (8 bytes): the random the session key is derived from. */
  processFactor: Uint8Array;
}

export class Psam {
  /** One DELIVERY SESSION KEY + CIPHER DATA pair at a time: the session key is PSAM state. */
  #queue: Promise<unknown> = Promise.resolve();
  #terminalNumber: Promise<string> | undefined;

  constructor(readonly channel: CardChannel) {}

  /** 终端机编号 from EF 0016, read once per PSAM (READ BINARY by SFI: no SELECT needed). */
  terminalNumber(): Promise<string> {
    this.#terminalNumber ??= this.#serial(async () => {
      const label = 'READ BINARY PSAM EF0016';
      const cmd = {
        cla: 0x00,
        ins: 0xb0,
        p1: 0x80 | EF_TERMINAL_INFO,
        p2: 0x00,
        ne: TERMINAL_NUMBER_LENGTH,
      };
      let r = await transceive(this.channel, cmd, { role: 'psam', label });
      if (r.sw === SW.WRONG_P1P2 || r.sw === SW.FILE_NOT_FOUND || r.sw === SW.FILE_STRUCTURE) {
        // A PSAM without SFI addressing: select the EF by FID under the current DF, then read it.
        await command(
          this.channel,
          { cla: 0x00, ins: 0xa4, p1: 0x02, p2: 0x00, data: Uint8Array.of(0x00, EF_TERMINAL_INFO) },
          { role: 'psam', label: 'SELECT PSAM EF0016' },
        );
        r = await transceive(this.channel, { ...cmd, p1: 0x00 }, { role: 'psam', label });
      }
      if (r.sw !== SW.OK) throw CardError.fromStatusWord(r.sw, label, 'psam');
      if (r.data.length < TERMINAL_NUMBER_LENGTH)
        throw new CardError(NationalCode.NO_PSAM, `${label}: ${r.data.length} bytes, expected 6`, {
          role: 'psam',
        });
      // cn: the digits, F padding removed; anything else is shown in hex, as a kiosk would.
      return toHex(r.data.subarray(0, TERMINAL_NUMBER_LENGTH)).replace(/F+$/, '');
    });
    // A failed read is not cached: the next transaction tries again.
    this.#terminalNumber.catch(() => (this.#terminalNumber = undefined));
    return this.#terminalNumber;
  }

  /**
   * DELIVERY SESSION KEY then CIPHER DATA (P1 00) over `data`, as one step: the session key
   * lives in the PSAM, so no other pair may come between. Returns the cipher text.
   */
  encipher(request: SessionKeyRequest, data: Uint8Array): Promise<Uint8Array> {
    for (const f of [...request.factors, request.processFactor])
      if (f.length !== 8)
        throw new CardError(
          NationalCode.WRONG_DATA_LENGTH,
          `PSAM factor of ${f.length} bytes, expected 8`,
          { role: 'caller' },
        );
    if (request.factors.length > 3)
      throw new CardError(NationalCode.BAD_PARAMETERS, 'at most 3 diversification factors', {
        role: 'caller',
      });
    return this.#serial(async () => {
      const factors = new Uint8Array(8 * (request.factors.length + 1));
      request.factors.forEach((f, i) => factors.set(f, 8 * i));
      factors.set(request.processFactor, 8 * request.factors.length);
      await command(
        this.channel,
        { cla: 0x80, ins: 0xde, p1: request.p1, p2: request.keyId, data: factors },
        {
          role: 'psam',
          label: `PSAM DELIVERY SESSION KEY ${hex2(request.p1)} ${hex2(request.keyId)}`,
        },
      );
      const out = await command(
        this.channel,
        { cla: 0x80, ins: 0xfa, p1: 0x00, p2: 0x00, data, ne: data.length },
        { role: 'psam', label: 'PSAM CIPHER DATA' },
      );
      if (out.length !== data.length)
        throw new CardError(
          NationalCode.CARD_NO_ANSWER,
          `PSAM CIPHER DATA: ${out.length} bytes for ${data.length}`,
          { role: 'psam' },
        );
      return out;
    });
  }

  /**
   * 8 bytes of authentication data over `originalInfo` (S2 §9): 8-byte ciphers encipher it as is;
   * 16-byte ciphers encipher OI ‖ 00×8 and fold the halves (L ⊕ R).
   */
  async authenticationData(
    request: SessionKeyRequest,
    originalInfo: Uint8Array,
    blockSize: 8 | 16,
  ): Promise<Uint8Array> {
    if (originalInfo.length !== 8)
      throw new CardError(NationalCode.WRONG_DATA_LENGTH, 'original info must be 8 bytes', {
        role: 'caller',
      });
    const block = new Uint8Array(blockSize);
    block.set(originalInfo);
    const c = await this.encipher(request, block);
    if (blockSize === 8) return c;
    const folded = new Uint8Array(8);
    for (let i = 0; i < 8; i++) folded[i] = c[i] ^ c[i + 8];
    return folded;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function hex2(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}
