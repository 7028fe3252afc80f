// Card side of T=1 (ISO 7816-3 §11; ../shared/reference/iso7816-and-ccid.md §A9): I-blocks with
// chaining both ways, R-blocks, S(RESYNCH / IFS / ABORT / WTX), and the receiver rules of §11.6.
//
// The card never starts an exchange (rule 1): it answers each block from the reader after the
// block guard time, or asks for a waiting-time extension while a slow command is processed.

import { concatBytes } from '../../protocol/bytes.ts';
import { DEFAULT_D, DEFAULT_F, DEFAULT_IFSC } from '../../protocol/iso7816-tables.ts';
import type { CardLink, CardProtocolHandler } from './card-link.ts';
import { NS_PER_S, NS_PER_US, t1BlockGuardNs } from './card-timing.ts';
import { localProcessingNs, processApdu } from './processing.ts';
import { T1_MAX_INF, T1RError, T1SType, t1ReplyNad } from '../../protocol/t1-constants.ts';
import { decodeBlock, encodeBlock, iBlock, rBlock, sBlock, type T1Block } from './t1-block.ts';
import { T1BlockReader } from './t1-block-reader.ts';
import type { EdcKind } from './t1-edc.ts';

/** The T=1 parameters of the card's ATR (§11.4). */
export interface T1CardParameters {
  /** IFSC: the largest INF the card receives. */
  readonly ifsc: number;
  readonly edc: EdcKind;
  /** CWT = (11 + 2^CWI) etu (§11.4.3). */
  readonly cwi: number;
  /** BWT = 11 etu + 2^BWI · 960 · Fd / f (§11.4.3). */
  readonly bwi: number;
}

/** The longest command APDU (extended: CLA INS P1 P2, 00 Lc1 Lc2, 65 535 bytes, Le1 Le2). */
const MAX_COMMAND = 4 + 3 + 0xffff + 2;
/** ISO 7816-4: wrong length, for a chain longer than any command. */
const SW_WRONG_LENGTH = Uint8Array.of(0x67, 0x00);
/** The WTX multiplier is one byte (§11.3.2.2). */
const MAX_WTX_MULTIPLIER = 255;
/** A 1-etu margin on CWT: CardContacts.receive comes after the frame of each character. */
const CWT_MARGIN_ETU = 1;

type SentKind = 'I' | 'R' | 'S-request' | 'S-response';

interface Processing {
  readonly response: Uint8Array;
  readonly doneAt: number;
  ready: boolean;
  /** The multiplier of our S(WTX request) while its response is awaited. */
  wtx: number | undefined;
  doneTimer: number | undefined;
  wtxTimer: number | undefined;
}

export class T1Card implements CardProtocolHandler {
  readonly #link: CardLink;
  readonly #params: T1CardParameters;
  readonly #reader: T1BlockReader;
  #cwtTimer: number | undefined;
  /** N(S) of the next I-block the reader sends, and of the next one the card sends (§11.6.1). */
  #expectedNs = 0;
  #cardNs = 0;
  /** IFSD: the largest INF the reader receives (S(IFS request), §11.4.2). */
  #ifsd = DEFAULT_IFSC;
  /** NAD of the card's blocks: the reader's NAD with source and destination swapped. */
  #nad = 0;
  /** The reader's chain being received. */
  #rxChain: Uint8Array[] = [];
  #rxLength = 0;
  /** The card's response being sent in a chain (undefined: none in progress). */
  #txData: Uint8Array | undefined;
  #txOffset = 0;
  /** The last I-block the card sent, for retransmission (§11.6.3.2). */
  #lastI: { readonly bytes: Uint8Array; readonly ns: number } | undefined;
  #lastSent: { readonly bytes: Uint8Array; readonly kind: SentKind } | undefined;
  #processing: Processing | undefined;

  constructor(link: CardLink, params: T1CardParameters) {
    this.#link = link;
    this.#params = params;
    this.#reader = new T1BlockReader(params.edc);
  }

  /** For tests and traces. */
  get ifsd(): number {
    return this.#ifsd;
  }

  receive(byte: number, parityError: boolean): void {
    // While a command is processed (and no WTX response is awaited) the card does not listen.
    if (this.#processing !== undefined && this.#processing.wtx === undefined) return;
    this.#link.timers.cancel(this.#cwtTimer);
    this.#cwtTimer = undefined;
    const result = this.#reader.push(byte, parityError);
    if (result.kind === 'block') {
      this.#onBlock(result.bytes, result.parityError);
      return;
    }
    const cwtEtu = 11 + 2 ** this.#params.cwi + CWT_MARGIN_ETU;
    this.#cwtTimer = this.#link.timers.after(cwtEtu * this.#link.etuNs(), () => {
      this.#cwtTimer = undefined;
      const partial = this.#reader.timeout();
      this.#onBlock(partial.bytes, partial.parityError);
    });
  }

  #onBlock(bytes: Uint8Array, parityError: boolean): void {
    // §11.6.3.2 rule 7.1: a parity error makes the block invalid, whatever it decodes to.
    const decoded = parityError
      ? ({ ok: false, error: T1RError.Edc } as const)
      : decodeBlock(bytes, this.#params.edc, this.#params.ifsc);
    if (!decoded.ok) {
      this.#onInvalid(decoded.error);
      return;
    }
    const block = decoded.block;
    this.#nad = t1ReplyNad(block.nad);
    if (this.#processing?.wtx !== undefined) {
      this.#onWhileAwaitingWtx(block);
      return;
    }
    switch (block.kind) {
      case 'I':
        this.#onI(block);
        return;
      case 'R':
        this.#onR(block);
        return;
      case 'S':
        this.#onS(block);
        return;
    }
  }

  /** Rule 7.1 (R-block with the error) and rule 8 (an S request of ours is sent again). */
  #onInvalid(error: T1RError): void {
    if (this.#lastSent?.kind === 'S-request') {
      this.#resend(this.#lastSent);
      return;
    }
    this.#sendBlock(rBlock(this.#nad, this.#expectedNs, error), 'R');
  }

  #onWhileAwaitingWtx(block: T1Block): void {
    const processing = this.#processing!;
    if (
      block.kind === 'S' &&
      block.type === T1SType.Wtx &&
      block.response &&
      block.inf[0] === processing.wtx
    ) {
      processing.wtx = undefined;
      this.#lastSent = undefined;
      if (processing.ready) {
        this.#startResponse(this.#bgt());
      } else if (processing.doneAt - this.#now() > this.#bwtNs() * block.inf[0]) {
        // The largest multiplier did not cover it: ask again one BWT before the extension ends.
        const again = Math.max(this.#wtxAfterNs(), (block.inf[0] - 1) * this.#bwtNs());
        processing.wtxTimer = this.#link.timers.after(again, () => this.#askWtx());
      }
      return;
    }
    if (block.kind === 'S' && !block.response && block.type === T1SType.Resynch) {
      this.#onS(block);
      return;
    }
    // Rule 8: anything else, and the S(WTX request) goes again.
    if (this.#lastSent !== undefined) this.#resend(this.#lastSent);
  }

  #onI(block: Extract<T1Block, { kind: 'I' }>): void {
    if (this.#txData !== undefined) {
      // The card is chaining: the reader may only acknowledge (rule 5).
      this.#sendBlock(rBlock(this.#nad, this.#expectedNs, T1RError.Other), 'R');
      return;
    }
    if (block.ns !== this.#expectedNs) {
      // A repeated block: answered again as before, never processed twice.
      if (this.#lastSent?.kind === 'R' || this.#lastSent?.kind === 'I') {
        this.#resend(this.#lastSent);
      } else {
        this.#sendBlock(rBlock(this.#nad, this.#expectedNs, T1RError.Other), 'R');
      }
      return;
    }
    this.#expectedNs ^= 1;
    // Rule 2: the reader's I-block acknowledges the card's last I-block.
    this.#lastI = undefined;
    if (this.#rxLength + block.inf.length <= MAX_COMMAND) this.#rxChain.push(block.inf);
    this.#rxLength += block.inf.length;
    if (block.more) {
      // Rule 5: each chained block is acknowledged with R(N(R) = next N(S)); LEN may be 0.
      this.#sendBlock(rBlock(this.#nad, this.#expectedNs, T1RError.None), 'R');
      return;
    }
    const overflow = this.#rxLength > MAX_COMMAND;
    const command = concatBytes(this.#rxChain);
    this.#rxChain = [];
    this.#rxLength = 0;
    this.#process(command, overflow);
  }

  #onR(block: Extract<T1Block, { kind: 'R' }>): void {
    const lastI = this.#lastI;
    if (this.#txData !== undefined && lastI !== undefined && block.nr !== lastI.ns) {
      // Rule 5: acknowledged, the next block of the chain.
      this.#sendChunk(this.#bgt());
      return;
    }
    if (lastI !== undefined && block.nr === lastI.ns) {
      // Rules 6 and 7: the reader did not get the last I-block: send it again.
      this.#resend({ bytes: lastI.bytes, kind: 'I' });
      return;
    }
    if (this.#lastSent?.kind === 'R') {
      // The reader did not get the card's acknowledgement of its chained block.
      this.#resend(this.#lastSent);
      return;
    }
    this.#sendBlock(rBlock(this.#nad, this.#expectedNs, T1RError.Other), 'R');
  }

  #onS(block: Extract<T1Block, { kind: 'S' }>): void {
    if (block.response) {
      // No S request of the card is pending: unexpected.
      this.#sendBlock(rBlock(this.#nad, this.#expectedNs, T1RError.Other), 'R');
      return;
    }
    switch (block.type) {
      case T1SType.Resynch:
        // §11.6.3.2 rule 6: both sequence numbers to 0, IFSD back to its initial value.
        this.#stopProcessing();
        this.#expectedNs = 0;
        this.#cardNs = 0;
        this.#ifsd = DEFAULT_IFSC;
        this.#dropChains();
        this.#lastI = undefined;
        this.#sendBlock(sBlock(this.#nad, T1SType.Resynch, true), 'S-response');
        return;
      case T1SType.Ifs: {
        const ifsd = block.inf[0];
        if (ifsd < 1 || ifsd > T1_MAX_INF) {
          this.#sendBlock(rBlock(this.#nad, this.#expectedNs, T1RError.Other), 'R');
          return;
        }
        this.#ifsd = ifsd;
        this.#sendBlock(sBlock(this.#nad, T1SType.Ifs, true, block.inf), 'S-response');
        return;
      }
      case T1SType.Abort:
        // §11.6.2.3: the chain in progress, either way, is abandoned.
        this.#stopProcessing();
        this.#dropChains();
        this.#sendBlock(sBlock(this.#nad, T1SType.Abort, true), 'S-response');
        return;
      case T1SType.Wtx:
        // Only the card asks for more time.
        this.#sendBlock(rBlock(this.#nad, this.#expectedNs, T1RError.Other), 'R');
        return;
    }
  }

  #process(command: Uint8Array, overflow: boolean): void {
    let response: Uint8Array;
    let processingNs: number;
    if (overflow) {
      response = SW_WRONG_LENGTH;
      processingNs = localProcessingNs(this.#link.transport, command[1] ?? -1);
    } else {
      const done = processApdu(this.#link.os, this.#link.transport, command);
      response = concatBytes([done.data, Uint8Array.of(done.sw1, done.sw2)]);
      processingNs = done.processingNs;
    }
    const total = Math.max(this.#bgt(), processingNs);
    const processing: Processing = {
      response,
      doneAt: this.#now() + total,
      ready: false,
      wtx: undefined,
      doneTimer: undefined,
      wtxTimer: undefined,
    };
    this.#processing = processing;
    processing.doneTimer = this.#link.timers.after(total, () => {
      processing.doneTimer = undefined;
      processing.ready = true;
      if (processing.wtx === undefined) this.#startResponse(0);
    });
    const wtxAfter = this.#link.transport.profile.t1WtxAfterUs;
    if (wtxAfter !== undefined && processingNs > wtxAfter * NS_PER_US) {
      processing.wtxTimer = this.#link.timers.after(Math.max(this.#bgt(), this.#wtxAfterNs()), () =>
        this.#askWtx(),
      );
    }
  }

  /** S(WTX request) with a multiplier that covers what is left of the processing (§11.3.2.2). */
  #askWtx(): void {
    const processing = this.#processing;
    if (processing === undefined || processing.ready) return;
    processing.wtxTimer = undefined;
    const remaining = processing.doneAt - this.#now();
    const multiplier = Math.min(
      MAX_WTX_MULTIPLIER,
      Math.max(1, Math.ceil(remaining / this.#bwtNs())),
    );
    processing.wtx = multiplier;
    this.#reader.reset();
    this.#sendBlock(
      sBlock(this.#nad, T1SType.Wtx, false, Uint8Array.of(multiplier)),
      'S-request',
      0,
    );
  }

  #startResponse(delayNs: number): void {
    const processing = this.#processing;
    if (processing === undefined) return;
    this.#processing = undefined;
    this.#reader.reset();
    this.#txData = processing.response;
    this.#txOffset = 0;
    this.#sendChunk(delayNs);
  }

  /** The next I-block of the response: IFSD bytes at most, M set while more follow (rule 5). */
  #sendChunk(delayNs: number): void {
    const data = this.#txData;
    if (data === undefined) return;
    const chunk = data.subarray(this.#txOffset, this.#txOffset + this.#ifsd);
    this.#txOffset += chunk.length;
    const more = this.#txOffset < data.length;
    if (!more) this.#txData = undefined;
    const bytes = encodeBlock(iBlock(this.#nad, this.#cardNs, more, chunk), this.#params.edc);
    this.#lastI = { bytes, ns: this.#cardNs };
    this.#cardNs ^= 1;
    this.#transmit(bytes, 'I', delayNs);
  }

  #sendBlock(block: T1Block, kind: SentKind, delayNs = this.#bgt()): void {
    this.#transmit(encodeBlock(block, this.#params.edc), kind, delayNs);
  }

  #resend(sent: { readonly bytes: Uint8Array; readonly kind: SentKind }): void {
    this.#transmit(sent.bytes, sent.kind, this.#bgt());
  }

  #transmit(bytes: Uint8Array, kind: SentKind, delayNs: number): void {
    this.#lastSent = { bytes, kind };
    this.#link.port.transmit(bytes, delayNs);
  }

  #stopProcessing(): void {
    const processing = this.#processing;
    if (processing === undefined) return;
    this.#link.timers.cancel(processing.doneTimer);
    this.#link.timers.cancel(processing.wtxTimer);
    this.#processing = undefined;
  }

  #dropChains(): void {
    this.#rxChain = [];
    this.#rxLength = 0;
    this.#txData = undefined;
  }

  #now(): number {
    return this.#link.port.now();
  }

  #bgt(): number {
    return t1BlockGuardNs(this.#link.etuNs());
  }

  #wtxAfterNs(): number {
    return (this.#link.transport.profile.t1WtxAfterUs ?? 0) * NS_PER_US;
  }

  /** BWT = 11 etu + 2^BWI · 960 · Fd / f, Fd = 372 (§11.4.3; §A6). */
  #bwtNs(): number {
    const hz = this.#link.port.clockHz();
    const etu = this.#link.etuNs();
    const fd = DEFAULT_F / DEFAULT_D;
    const base = hz > 0 ? ((2 ** this.#params.bwi * 960 * fd) / hz) * NS_PER_S : 0;
    return 11 * etu + base;
  }
}
