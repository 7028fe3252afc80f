// Test support (never imported by production code): a CardChannel over the simulator's card
// operating system, in process — `resolveCardSpec('ssc3:li-na')` — counting the commands sent.
import { fromHex, toHex } from '../../iso7816/hex.ts';
import { resolveCardSpec } from '../../../simulator/profiles/index.ts';
import type { CardChannel } from '../channel.ts';

export class SimChannel implements CardChannel {
  readonly atr: Uint8Array;
  readonly log: { command: string; response: string }[] = [];
  readonly #process: (apdu: Uint8Array) => Uint8Array;
  #inTransaction = false;

  constructor(spec: string, seed = 1) {
    let s = seed;
    // A fixed-seed card random source, so challenges replay.
    const random = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    const card = resolveCardSpec(spec, { random });
    this.atr = fromHex(card.transport.atr);
    this.#process = (apdu) => card.os.process(apdu).response;
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    const response = this.#process(apdu);
    this.log.push({ command: toHex(apdu), response: toHex(response) });
    return response;
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#inTransaction) throw new Error('nested transaction on one channel');
    this.#inTransaction = true;
    try {
      return await fn();
    } finally {
      this.#inTransaction = false;
    }
  }

  /** Command INS bytes in order, e.g. ['A4', 'B2', '88', …]. */
  get instructions(): string[] {
    return this.log.map((e) => e.command.slice(2, 4));
  }
}
