// What a card line reports for the trace (simulator/trace implements it).
import type { WireDriver } from './io-wire.ts';

export interface CharacterInfo {
  /** 0 for the first transmission, 1..3 for ISO 7816-3 §7.3 repetitions. */
  attempt: number;
  /** A fault corrupted this transmission on the wire. */
  corrupted: boolean;
  /** The transmitter uses the T=1 character frame. */
  t1: boolean;
}

export interface LineTraceSink {
  /** A character's leading edge on I/O. */
  character(
    slot: number,
    timeNs: number,
    from: WireDriver,
    byte: number,
    info: CharacterInfo,
  ): void;
  /**
   * A receiver read something other than a clean copy of a character: a parity error, or a
   * frame that does not match what was sent (rate or convention mismatch, collision, pull).
   */
  anomaly(slot: number, timeNs: number, to: WireDriver, byte: number, what: string): void;
  /**
   * Power, reset, clock, UART, insertion, pull, waiting-time expiry. `restart` is true when the
   * card starts over (RST, deactivation, insertion, pull): a new ATR follows.
   */
  event(slot: number, timeNs: number, what: string, restart: boolean): void;
}

/** Someone watching a card line besides the trace (tests, benchmarks): any of the sink's calls. */
export type LineObserver = Partial<LineTraceSink>;

/** What a card line has carried since it was built (`CardLine.counters`). */
export interface LineCounters {
  /** First transmissions by the reader (repetitions not included). */
  readerCharacters: number;
  /** First transmissions by the card. */
  cardCharacters: number;
  /** ISO 7816-3 §7.3 repetitions, both directions. */
  repetitions: number;
  /** Characters a receiver did not read as sent (parity errors, garbled frames). */
  anomalies: number;
  /** Times the reader's waiting-time counter ran out (`card_wait`). */
  waitingTimeExpiries: number;
  /** VCC switched on (cold activations, whatever the class). */
  activations: number;
}
