// A card that follows a script: an ATR per reset (or none: mute), then steps — expect these
// characters from the reader, send these, switch to a new F/D. For tests that need every byte
// and every timing under control (procedure bytes, NULLs, PPS answers, malformed ATRs).
import { VoltageClass } from '../../hal.ts';
import type { CardModel, CardSide, SendOptions } from './card-line.ts';

export type Step =
  | { expect: readonly number[] }
  | ({ send: readonly number[] } & SendOptions)
  | { rate: readonly [number, number] };

export interface ScriptCardOptions {
  /** ATR for each reset in turn (the last one repeats); null = no answer. */
  atr: readonly (readonly number[] | null)[];
  /** Options of the ATR characters (timing, parity errors). */
  atrOptions?: SendOptions;
  steps?: readonly Step[];
  inverse?: boolean;
  /** Classes the card answers at (default: all). */
  classes?: readonly VoltageClass[];
}

export class ScriptCard implements CardModel {
  readonly inverse: boolean;
  /** Reset history: warm or cold, and the class. */
  readonly resets: { warm: boolean; voltage: number }[] = [];
  /** Reader characters that did not match the script. */
  readonly mismatches: string[] = [];
  /** Every character the card received. */
  readonly received: number[] = [];
  private pending: number[] = [];
  private pos = 0;

  constructor(private readonly options: ScriptCardOptions) {
    this.inverse = options.inverse ?? false;
  }

  /** True when every step ran. */
  get finished(): boolean {
    return this.pos >= (this.options.steps?.length ?? 0);
  }

  onReset(side: CardSide, warm: boolean): void {
    this.resets.push({ warm, voltage: side.voltage });
    const classes = this.options.classes;
    if (classes && !classes.includes(side.voltage)) return;
    const atrs = this.options.atr;
    const atr = atrs[Math.min(this.resets.length - 1, atrs.length - 1)];
    if (!atr) return;
    side.send(atr, this.options.atrOptions);
    this.advance(side);
  }

  onChar(side: CardSide, byte: number, ok: boolean): void {
    this.received.push(byte);
    this.pending.push(ok ? byte : -1);
    this.advance(side);
  }

  private advance(side: CardSide): void {
    const steps = this.options.steps ?? [];
    while (this.pos < steps.length) {
      const step = steps[this.pos];
      if ('expect' in step) {
        if (this.pending.length < step.expect.length) return;
        const got = this.pending.splice(0, step.expect.length);
        if (got.some((b, i) => b !== step.expect[i])) {
          this.mismatches.push(`step ${this.pos}: expected ${hex(step.expect)}, got ${hex(got)}`);
        }
      } else if ('send' in step) {
        side.send(step.send, step);
      } else {
        side.setRate(step.rate[0], step.rate[1]);
      }
      this.pos++;
    }
  }
}

export function hex(bytes: readonly number[]): string {
  return bytes.map((b) => (b < 0 ? '??' : b.toString(16).padStart(2, '0'))).join(' ');
}
