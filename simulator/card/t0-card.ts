// Card side of T=0 (ISO 7816-3 §10; the model is SIMtrace2's card_emu.c TPDU states): the header
// CLA INS P1 P2 P3, a procedure byte, data, SW1 SW2. NULL bytes (60) while the command takes
// longer than the profile's t0NullIntervalEtu (§10.3.3: they restart the reader's WWT). Extended
// APDUs arrive in ENVELOPE commands (t0-envelope.ts).

import { SW } from '../../protocol/iso7816/status-words.ts';
import { commandHasData, localProcessingNs, processApdu } from './processing.ts';
import type { CardLink, CardProtocolHandler } from './card-link.ts';
import { t0TurnaroundNs } from './card-timing.ts';
import { EnvelopeAssembler, isEnvelope } from './t0-envelope.ts';
import { INS_GET_RESPONSE } from '../../protocol/iso7816/t0-transport.ts';
import {
  SW_INS_INVALID,
  replyGetResponse,
  replyIncoming,
  replyOutgoing,
  type T0Pending,
  type T0Reply,
  type WrongLe,
} from './t0-response.ts';

const HEADER_LENGTH = 5;
/** An ENVELOPE piece kept; an enveloped command longer than any C-APDU. */
const SW_ENVELOPE_PIECE = Uint8Array.of(SW.OK >> 8, SW.OK & 0xff);
const SW_WRONG_LENGTH = Uint8Array.of(SW.WRONG_LENGTH >> 8, SW.WRONG_LENGTH & 0xff);
/** §10.3.3: the NULL procedure byte. */
export const T0_NULL = 0x60;

enum T0State {
  /** Collecting CLA INS P1 P2 P3. */
  Header,
  /** After ACK (INS): collecting the Lc data bytes. */
  Data,
  /** Processing or answering; the reader has nothing to send (characters are ignored). */
  Busy,
}

export class T0Card implements CardProtocolHandler {
  readonly #link: CardLink;
  readonly #wrongLe: WrongLe;
  #state = T0State.Header;
  readonly #header = new Uint8Array(HEADER_LENGTH);
  #headerCount = 0;
  #data = new Uint8Array(0);
  #dataCount = 0;
  /** Response data of the last case-4 command, kept until the next command (§10.3.3, 61xx). */
  #pending: T0Pending | undefined;
  /** Pieces of an enveloped command, until the empty ENVELOPE that ends it. */
  readonly #envelope = new EnvelopeAssembler();

  constructor(link: CardLink) {
    this.#link = link;
    this.#wrongLe = link.transport.profile.t0?.wrongLe ?? '6Cxx';
  }

  receive(byte: number, parityError: boolean): void {
    // T=0 frame: the reader repeats a character the line corrupted (§7.3), so ignore this one.
    if (parityError) return;
    switch (this.#state) {
      case T0State.Header:
        this.#header[this.#headerCount++] = byte;
        if (this.#headerCount === HEADER_LENGTH) this.#onHeader();
        return;
      case T0State.Data:
        this.#data[this.#dataCount++] = byte;
        if (this.#dataCount === this.#data.length) this.#onData();
        return;
      case T0State.Busy:
        return;
    }
  }

  #onHeader(): void {
    this.#headerCount = 0;
    const header = this.#header.slice();
    const [cla, ins, p1, p2, p3] = header;
    // §10.3.2: INS 6X and 9X are invalid (they would read as SW1).
    if ((ins & 0xf0) === 0x60 || (ins & 0xf0) === 0x90) {
      this.#pending = undefined;
      this.#answer(0, { bytes: SW_INS_INVALID, pending: undefined });
      return;
    }
    if (ins === INS_GET_RESPONSE) {
      const local = replyGetResponse(header, this.#pending, this.#wrongLe);
      if (local !== undefined) {
        this.#answer(localProcessingNs(this.#link.transport, ins), local);
        return;
      }
    }
    this.#pending = undefined;
    const envelope = isEnvelope(cla, ins, p1, p2);
    if (envelope && p3 === 0 && this.#envelope.open) {
      // The empty ENVELOPE: the whole command runs now; its data comes back through 61xx.
      const done = processApdu(this.#link.os, this.#link.transport, this.#envelope.take());
      this.#answer(done.processingNs, replyIncoming(done.data, done.sw1, done.sw2));
      return;
    }
    if (!envelope) this.#envelope.reset(); // another command ends an unfinished envelope
    const hasData = envelope || commandHasData(this.#link.os, cla, ins, p1, p2);
    if (hasData && p3 > 0) {
      // Cases 3 and 4: ACK with INS, then all Lc bytes at once (§10.3.3).
      this.#data = new Uint8Array(p3);
      this.#dataCount = 0;
      this.#state = T0State.Data;
      this.#link.port.transmit(Uint8Array.of(ins), t0TurnaroundNs(this.#link.etuNs()));
      return;
    }
    if (hasData) {
      // P3 = 0 as Lc: no data; the COS sees a case-1 command CLA INS P1 P2.
      const done = processApdu(this.#link.os, this.#link.transport, header.subarray(0, 4));
      this.#answer(done.processingNs, replyIncoming(done.data, done.sw1, done.sw2));
      return;
    }
    // Cases 1 and 2: P3 is Le, passed on as the APDU's Le.
    const done = processApdu(this.#link.os, this.#link.transport, header);
    this.#answer(
      done.processingNs,
      replyOutgoing(header, done.data, done.sw1, done.sw2, this.#wrongLe),
    );
  }

  #onData(): void {
    const [cla, ins, p1, p2] = this.#header;
    if (isEnvelope(cla, ins, p1, p2)) {
      // One piece of an enveloped command: kept, 90 00 (or 67 00 for a command too long).
      const kept = this.#envelope.append(this.#data);
      const sw = kept ? SW_ENVELOPE_PIECE : SW_WRONG_LENGTH;
      this.#answer(localProcessingNs(this.#link.transport, ins), { bytes: sw, pending: undefined });
      return;
    }
    const command = new Uint8Array(HEADER_LENGTH + this.#data.length);
    command.set(this.#header);
    command.set(this.#data, HEADER_LENGTH);
    // The command as it came on the line: CLA INS P1 P2 Lc data (a case-4 command has no Le in
    // T=0, ISO 7816-3 §12.2.5); its response data goes back through 61xx.
    const done = processApdu(this.#link.os, this.#link.transport, command);
    this.#answer(done.processingNs, replyIncoming(done.data, done.sw1, done.sw2));
  }

  /** Sends `reply` once the command has taken `processingNs`, with NULL bytes meanwhile. */
  #answer(processingNs: number, reply: T0Reply): void {
    this.#state = T0State.Busy;
    const etu = this.#link.etuNs();
    const total = Math.max(t0TurnaroundNs(etu), processingNs);
    const interval = (this.#link.transport.profile.t0NullIntervalEtu ?? 0) * etu;
    const start = this.#link.port.now();
    if (interval > 0) {
      const tick = (): void => {
        this.#link.port.transmit(Uint8Array.of(T0_NULL));
        if (this.#link.port.now() - start + interval < total)
          this.#link.timers.after(interval, tick);
      };
      if (interval < total) this.#link.timers.after(interval, tick);
    }
    this.#link.timers.after(total, () => {
      this.#pending = reply.pending;
      this.#state = T0State.Header;
      this.#link.port.transmit(reply.bytes);
    });
  }
}
