// The host link between the PC and the reader's firmware, as timed transport with faults on
// demand. Two models: USB full-speed CDC (usb-cdc-link.ts, the default) and a UART
// (uart-link.ts). Both deliver bytes one chunk at a time on the virtual clock.
import type { Prng } from '../engine/prng.ts';
import type { VirtualClock } from '../engine/virtual-clock.ts';
import { FaultSpecError } from '../errors.ts';

export type HostLinkConfig = { kind: 'usb' } | { kind: 'uart'; baud: number };

export interface HostLinkFaults {
  /** Probability per chunk (USB packet, UART byte) that one bit is flipped. */
  noise?: number;
  /** Probability per chunk that it is lost. */
  loss?: number;
  /** Probability per chunk that it is delivered twice. */
  duplication?: number;
}

export type LinkDirection = 'to-reader' | 'to-host';

export interface HostLinkEnds {
  /** Bytes arriving at the reader, at most `maxChunk()` at a time. */
  toReader(bytes: Uint8Array): void;
  /** Bytes arriving at the host. */
  toHost(bytes: Uint8Array): void;
  /** The largest chunk the firmware takes (host_rx_capacity). */
  maxChunk(): number;
}

export abstract class HostLink {
  protected faults: Required<HostLinkFaults> = { noise: 0, loss: 0, duplication: 0 };

  constructor(
    protected readonly clock: VirtualClock,
    protected readonly rng: Prng,
    protected readonly ends: HostLinkEnds,
  ) {}

  /** Bytes written by the host application (driver, pcscd). */
  abstract fromHost(bytes: Uint8Array): void;
  /** Bytes the firmware queued with host_send. */
  abstract fromReader(bytes: Uint8Array): void;
  /** Drops everything in flight (power cut). */
  abstract reset(): void;
  /** A short description for the trace. */
  abstract describe(): string;

  setFaults(faults: HostLinkFaults): void {
    for (const [name, p] of Object.entries(faults)) {
      if (typeof p !== 'number' || !(p >= 0 && p <= 1))
        throw new FaultSpecError(`host link ${name} rate must be 0..1, got ${p}`);
    }
    this.faults = { ...this.faults, ...faults };
  }

  /** Delivers one chunk with the faults applied. */
  protected deliver(direction: LinkDirection, chunk: Uint8Array): void {
    if (this.rng.chance(this.faults.loss)) return;
    let bytes = chunk;
    if (this.rng.chance(this.faults.noise)) {
      bytes = Uint8Array.from(chunk);
      bytes[this.rng.int(bytes.length)] ^= 1 << this.rng.int(8);
    }
    const copies = this.rng.chance(this.faults.duplication) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      if (direction === 'to-reader') this.ends.toReader(bytes);
      else this.ends.toHost(bytes);
    }
  }
}
