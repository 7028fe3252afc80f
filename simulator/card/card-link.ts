// What a protocol handler (T=0, T=1) of the virtual card may use: the line, the card's timers,
// its profile and its operating system. One object, built by VirtualCard for each session.

import type { ApduProcessor, CardLinePort } from './contract.ts';
import type { CardTimers } from './card-timers.ts';
import type { CheckedTransport } from './transport-profile.ts';

export interface CardLink {
  readonly port: CardLinePort;
  readonly timers: CardTimers;
  readonly transport: CheckedTransport;
  readonly os: ApduProcessor;
  /** The current etu, ns (F/D of the session at the reader's clock). */
  etuNs(): number;
}

/** The part of a protocol handler that VirtualCard drives. */
export interface CardProtocolHandler {
  /** A character from the reader (after the frame; `parityError` as in CardContacts.receive). */
  receive(byte: number, parityError: boolean): void;
}
