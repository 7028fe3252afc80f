// Test double: a CardChannel that expects an exact sequence of command APDUs and gives scripted
// answers, so tests pin down both the bytes and the number of commands an application sends.
import { fromHex, toHex } from '../../iso7816/hex.ts';
import type { CardChannel } from '../channel.ts';

export interface ScriptStep {
  /** Expected command, hex (spaces allowed). */
  command: string;
  /** Answer: data ‖ SW1 SW2, hex; or an error to throw from transmit. */
  answer: string | Error;
}

export class ScriptChannel implements CardChannel {
  readonly atr: Uint8Array;
  readonly sent: string[] = [];
  #steps: ScriptStep[];
  #transactions = 0;

  constructor(atrHex: string, steps: ScriptStep[]) {
    this.atr = fromHex(atrHex);
    this.#steps = [...steps];
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    const got = toHex(apdu);
    this.sent.push(got);
    const step = this.#steps.shift();
    if (!step) throw new Error(`unexpected command ${got}: the script is over`);
    const want = step.command.replace(/\s+/g, '').toUpperCase();
    if (got !== want) throw new Error(`command ${this.sent.length}: expected ${want}, got ${got}`);
    if (step.answer instanceof Error) throw step.answer;
    return fromHex(step.answer);
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    this.#transactions++;
    return fn();
  }

  get transactions(): number {
    return this.#transactions;
  }

  /** Commands of the script not yet sent. */
  get remaining(): string[] {
    return this.#steps.map((s) => s.command);
  }
}

/** A random source that hands out fixed 8-byte values in order (hex). */
export function fixedRandom(...values: string[]): (n: number) => Uint8Array {
  const queue = values.map((v) => fromHex(v));
  return (n) => {
    const v = queue.shift();
    if (!v || v.length !== n) throw new Error(`fixedRandom: no ${n}-byte value left`);
    return v;
  };
}
