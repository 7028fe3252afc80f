// Every event a card schedules goes through here, so that a reset, a power-off or a pull can stop
// all of them at once (ISO 7816-3 §6.2: RST low or VCC off ends whatever the card was doing).

import type { CardLinePort } from './contract.ts';

export class CardTimers {
  readonly #port: CardLinePort;
  readonly #handles = new Set<number>();
  /** Bumped by cancelAll: a callback that the port runs anyway after cancel is dropped. */
  #generation = 0;

  constructor(port: CardLinePort) {
    this.#port = port;
  }

  /** Runs `fn` after `delayNs` (at least 0) of virtual time. */
  after(delayNs: number, fn: () => void): number {
    const generation = this.#generation;
    const delay = Number.isFinite(delayNs) && delayNs > 0 ? delayNs : 0;
    const handle = this.#port.schedule(delay, () => {
      this.#handles.delete(handle);
      if (generation === this.#generation) fn();
    });
    this.#handles.add(handle);
    return handle;
  }

  cancel(handle: number | undefined): void {
    if (handle === undefined || !this.#handles.delete(handle)) return;
    this.#port.cancel(handle);
  }

  cancelAll(): void {
    this.#generation++;
    for (const handle of this.#handles) this.#port.cancel(handle);
    this.#handles.clear();
  }

  /** Number of events still scheduled (tests check that nothing leaks). */
  get pending(): number {
    return this.#handles.size;
  }
}
