// A UART host link: 10 bits per byte (start, 8 data, stop) at `baud`, each direction on its own
// wire; every byte is delivered when its stop bit ends.
import { FaultSpecError } from '../errors.ts';
import { HostLink, type HostLinkEnds, type LinkDirection } from './host-link.ts';
import type { Prng } from '../engine/prng.ts';
import type { VirtualClock } from '../engine/virtual-clock.ts';

export const UART_BITS_PER_BYTE = 10;

export class UartLink extends HostLink {
  private readonly byteNs: number;
  private readonly queues: Record<LinkDirection, number[]> = { 'to-reader': [], 'to-host': [] };
  private readonly handles: Record<LinkDirection, number | undefined> = {
    'to-reader': undefined,
    'to-host': undefined,
  };

  constructor(
    clock: VirtualClock,
    rng: Prng,
    ends: HostLinkEnds,
    readonly baud: number,
  ) {
    super(clock, rng, ends);
    if (!Number.isInteger(baud) || baud < 300 || baud > 12_000_000)
      throw new FaultSpecError(`UART baud rate must be 300..12000000, got ${baud}`);
    this.byteNs = (UART_BITS_PER_BYTE / baud) * 1e9;
  }

  fromHost(bytes: Uint8Array): void {
    this.enqueue('to-reader', bytes);
  }

  fromReader(bytes: Uint8Array): void {
    this.enqueue('to-host', bytes);
  }

  reset(): void {
    for (const d of ['to-reader', 'to-host'] as const) {
      this.queues[d].length = 0;
      const h = this.handles[d];
      if (h !== undefined) this.clock.cancel(h);
      this.handles[d] = undefined;
    }
  }

  describe(): string {
    return `UART ${this.baud} baud`;
  }

  private enqueue(direction: LinkDirection, bytes: Uint8Array): void {
    this.queues[direction].push(...bytes);
    this.next(direction);
  }

  private next(direction: LinkDirection): void {
    if (this.handles[direction] !== undefined || this.queues[direction].length === 0) return;
    this.handles[direction] = this.clock.schedule(this.byteNs, () => {
      this.handles[direction] = undefined;
      const byte = this.queues[direction].shift()!;
      this.deliver(direction, Uint8Array.of(byte));
      this.next(direction);
    });
  }
}
