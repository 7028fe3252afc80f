// What a card line reports for the trace (simulator/trace implements it).
import type { WireDriver } from './io-wire.ts';

export interface LineTraceSink {
  /** A character's leading edge on I/O. `attempt` 0 is the first transmission. */
  character(
    slot: number,
    timeNs: number,
    from: WireDriver,
    byte: number,
    attempt: number,
    corrupted: boolean,
  ): void;
  /**
   * A receiver read something other than a clean copy of a character: a parity error, or a
   * frame that does not match what was sent (rate or convention mismatch, collision, pull).
   */
  anomaly(slot: number, timeNs: number, to: WireDriver, byte: number, what: string): void;
  /** Power, reset, clock, UART, insertion, pull, waiting-time expiry. */
  event(slot: number, timeNs: number, what: string): void;
}
