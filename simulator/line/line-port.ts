// The CardLinePort a card sees while it sits in a slot. When the card is pulled the port dies:
// everything the card scheduled is cancelled and later calls do nothing, so a pulled card can
// never act on the line again.
import type { CardLinePort, CardUartSetting } from '../card/contract.ts';
import type { VirtualClock } from '../engine/virtual-clock.ts';
import type { Prng } from '../engine/prng.ts';

export interface LinePortBackend {
  clockHz(): number;
  setUart(setting: CardUartSetting): void;
  transmit(bytes: Uint8Array, delayNs: number): void;
  flush(): void;
}

export class LinePort implements CardLinePort {
  private alive = true;
  private readonly handles = new Set<number>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly rng: Prng,
    private readonly backend: LinePortBackend,
  ) {}

  now(): number {
    return this.clock.now();
  }

  schedule(delayNs: number, fn: () => void): number {
    if (!this.alive) return -1;
    const handle = this.clock.schedule(delayNs, () => {
      this.handles.delete(handle);
      fn();
    });
    this.handles.add(handle);
    return handle;
  }

  cancel(handle: number): void {
    if (this.handles.delete(handle)) this.clock.cancel(handle);
  }

  clockHz(): number {
    return this.alive ? this.backend.clockHz() : 0;
  }

  setUart(setting: CardUartSetting): void {
    if (this.alive) this.backend.setUart(setting);
  }

  transmit(bytes: Uint8Array, delayNs = 0): void {
    if (this.alive) this.backend.transmit(bytes, delayNs);
  }

  flush(): void {
    if (this.alive) this.backend.flush();
  }

  random(): number {
    return this.rng.next();
  }

  /** The card was pulled. */
  kill(): void {
    this.alive = false;
    for (const h of this.handles) this.clock.cancel(h);
    this.handles.clear();
  }
}
