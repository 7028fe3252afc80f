// Contracts between the parts of the simulator that model a contact card:
//
//   reader hardware (simulator/reader)  ──drives──▶  CardLine (simulator/line)
//   CardLine  ◀──CardContacts / CardLinePort──▶  a virtual card (simulator/card: ISO 7816-3 card side)
//   virtual card  ──APDUs──▶  ApduProcessor (simulator/cos: ISO 7816-4 card operating system)
//
// Time is virtual, in nanoseconds (a float: one etu at 3.5712 MHz is 104 166.67 ns).

/** Voltage on VCC as a card sees it: 0 off, 1 class A (5 V), 2 class B (3 V), 3 class C (1.8 V). */
export type VoltageClassCode = 0 | 1 | 2 | 3;

/** The card's own character frame (it must match the reader's UART, or characters are garbled). */
export interface CardUartSetting {
  /** Clock-rate conversion factor F (372 after reset). */
  f: number;
  /** Baud-rate adjustment factor D (1 after reset). */
  d: number;
  /** Extra guard time N that the card applies to its own characters (usually 0 for cards). */
  n: number;
  /** Inverse convention (TS = 3F). */
  inverse: boolean;
  /** T=1 character frame (no error signal, no repetition). */
  t1: boolean;
}

/** What the card line offers to the card plugged into it. */
export interface CardLinePort {
  /** Current virtual time, ns. */
  now(): number;
  /** Runs `fn` after `delayNs` of virtual time; returns a handle for `cancel`. */
  schedule(delayNs: number, fn: () => void): number;
  cancel(handle: number): void;
  /** Current card clock frequency in Hz (0 when stopped). */
  clockHz(): number;
  /**
   * Sets the card's own character frame (after the ATR, after PPS). Like the reader's card_uart
   * (firmware/HAL.md), it applies to characters queued after the call: those already queued keep
   * their frame (a PPS echo goes out at the old rate, then the new one applies).
   */
  setUart(setting: CardUartSetting): void;
  /**
   * Queues characters from the card. The first leading edge is at least `delayNs` from now and
   * after the previous queued character; the line spaces them by the card's guard time, applies
   * faults (parity errors with repetition in T=0) and delivers them to the reader.
   */
  transmit(bytes: Uint8Array, delayNs?: number): void;
  /** Drops characters not yet on the line (a card that is reset or powered off stops talking). */
  flush(): void;
  /** A seeded random source, the only randomness a card may use (challenges). */
  random(): number;
}

/** The electrical and character-level interface of a card, driven by the card line. */
export interface CardContacts {
  /** The line connects the card (insertion); `port` is valid until `detach`. */
  attach(port: CardLinePort): void;
  /** The card is pulled: it stops at once, whatever it was doing. */
  detach(): void;
  /** VCC changed (0 = off). A card that does not support the class stays mute. */
  vcc(voltage: VoltageClassCode): void;
  /** RST changed. Rising edge with VCC and clock on: cold (after power-up) or warm reset. */
  rst(high: boolean): void;
  /** Clock frequency changed, Hz (0 = stopped). */
  clock(hz: number): void;
  /**
   * One character from the reader has been received (after its frame, i.e. at least 10 etu after
   * its leading edge; the card counts its turnaround and block guard time from here).
   * `parityError` is true when the line corrupted it and the reader will repeat it (T=0) — the card
   * ignores it then. In the T=1 frame nothing is repeated: the block is invalid (§11.6).
   */
  receive(byte: number, parityError: boolean): void;
}

/** Result of one command APDU at the card operating system. */
export interface ApduResult {
  /** Response data followed by SW1 SW2 (always at least 2 bytes). */
  response: Uint8Array;
  /** Card processing time for this command, µs (from the profile). */
  processingUs: number;
}

/** ISO 7816-4 command processing, independent of the transmission protocol. */
export interface ApduProcessor {
  /** Cold or warm reset: security state, current DF and pending data are lost. */
  reset(): void;
  /**
   * Processes one complete command APDU (short or extended). Never throws on bad input.
   *
   * Over T=1 the command is the INF of the reader's I-block chain, as sent. Over T=0 the card side
   * (simulator/card/t0-card.ts) passes: cases 1 and 2, CLA INS P1 P2 P3 (P3 as Le, 00 = 256);
   * cases 3 and 4, CLA INS P1 P2 Lc data (no Le: response data goes back through 61xx and
   * GET RESPONSE); a command with data and P3 = 00, CLA INS P1 P2. GET RESPONSE is answered by the
   * card side while a 61xx response is pending, otherwise passed on. The response may hold more or
   * fewer bytes than Le: over T=0 the card side then applies the profile's 6Cxx / truncate rule.
   */
  process(command: Uint8Array): ApduResult;
  /**
   * T=0 needs to know, from the header alone, whether P3 is Lc (data goes to the card: cases 3
   * and 4) or Le (data comes from the card: cases 1 and 2).
   */
  t0CommandHasData(cla: number, ins: number, p1: number, p2: number): boolean;
}

/**
 * Transmission behaviour of a card profile (profile data, `transport` section). Everything the
 * ISO 7816-3 card side needs beyond the ATR itself.
 */
export interface CardTransportProfile {
  /** The ATR, hex. */
  atr: string;
  /** Voltage classes the card works at (a class-A-only card stays mute at B and C). */
  classes: ('A' | 'B' | 'C')[];
  /** Card clock cycles from RST high to the leading edge of TS (400 … 40 000). */
  atrDelayClocks: number;
  /** How the card answers a PPS request. */
  pps: 'accept' | 'refuse-silent' | 'answer-wrong';
  /**
   * Default command processing time, µs, and per-INS overrides (keys are hex INS bytes). The card
   * side takes processingUsByIns[INS] first, then a positive ApduResult.processingUs, then
   * processingUs.
   */
  processingUs: number;
  processingUsByIns?: Record<string, number>;
  /** T=0: send a NULL (60) every this many etu while processing takes longer (0 = never). */
  t0NullIntervalEtu?: number;
  /** T=1: ask for a waiting-time extension (S(WTX)) when processing exceeds this many µs. */
  t1WtxAfterUs?: number;
  /** T=0: how case-4 responses and wrong Le are answered (61xx / 6Cxx rules). */
  t0?: {
    /** Case 4 with response data: '61xx' (GET RESPONSE needed) — the ISO behaviour. */
    case4: '61xx';
    /** Le (P3) different from the available length: '6Cxx' re-issue, or send what is available. */
    wrongLe: '6Cxx' | 'truncate';
  };
}
