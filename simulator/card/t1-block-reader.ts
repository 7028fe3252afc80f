// Gathers the characters of one T=1 block as the card receives them. The length follows from LEN
// (§11.3.2.3); when LEN is reserved (FF) or characters are lost, the end of the block is the
// character waiting time running out (§11.4.3, CWT), which the caller reports with `timeout`.

import {
  T1_MAX_BLOCK_LENGTH,
  T1_MAX_INF,
  T1_PROLOGUE_LENGTH,
} from '../../protocol/t1-constants.ts';
import { edcLength, type EdcKind } from './t1-edc.ts';

const LEN_INDEX = 2;

export type BlockReadResult =
  /** Need more characters. */
  | { readonly kind: 'more' }
  /** All characters of the block arrived; `parityError` if one of them had a parity error. */
  | { readonly kind: 'block'; readonly bytes: Uint8Array; readonly parityError: boolean };

export class T1BlockReader {
  readonly #epilogue: number;
  #bytes: number[] = [];
  #parityError = false;

  constructor(edc: EdcKind) {
    this.#epilogue = edcLength(edc);
  }

  get started(): boolean {
    return this.#bytes.length > 0;
  }

  push(byte: number, parityError: boolean): BlockReadResult {
    if (this.#bytes.length < T1_MAX_BLOCK_LENGTH + 1) this.#bytes.push(byte & 0xff);
    if (parityError) this.#parityError = true;
    if (this.#bytes.length <= LEN_INDEX) return { kind: 'more' };
    const len = this.#bytes[LEN_INDEX];
    // LEN FF: the length is unknown, so wait for CWT (a block never exceeds 3 + 254 + 2 bytes).
    const expected = len > T1_MAX_INF ? Infinity : T1_PROLOGUE_LENGTH + len + this.#epilogue;
    if (this.#bytes.length < expected) return { kind: 'more' };
    return this.#finish();
  }

  /** CWT ran out: whatever arrived is the block (it will not decode). */
  timeout(): { readonly bytes: Uint8Array; readonly parityError: boolean } {
    return this.#finish();
  }

  reset(): void {
    this.#bytes = [];
    this.#parityError = false;
  }

  #finish(): { readonly kind: 'block'; readonly bytes: Uint8Array; readonly parityError: boolean } {
    const result = {
      kind: 'block' as const,
      bytes: Uint8Array.from(this.#bytes),
      parityError: this.#parityError,
    };
    this.reset();
    return result;
  }
}
