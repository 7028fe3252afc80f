// ENVELOPE on the card side of T=0 (ISO 7816-4 ENVELOPE, INS C2; iso7816-and-ccid.md §A8:
// extended APDUs over T=0 go through ENVELOPE and GET RESPONSE). A command APDU too long for one
// TPDU (more than 255 data bytes, extended length fields) arrives as the data of ENVELOPE
// commands, CLA' C2 00 00 P3, in pieces of up to 255 bytes, each answered 90 00; then an ENVELOPE
// with no data (P3 = 00) ends it and its answer is the command's: the card runs the whole C-APDU
// and answers as for a case 3/4 command (response data through 61xx and GET RESPONSE). This is
// what the reader firmware does (firmware/src/iso/t0-apdu.ts). A proprietary class (b8 = 1)
// C2 is no ENVELOPE: the card operating system gets it like any command.
import { INS_ENVELOPE } from '../../protocol/iso7816/t0-transport.ts';

/** The longest C-APDU: CLA INS P1 P2, 00 Lc1 Lc2, 65 535 data bytes, Le1 Le2. */
export const MAX_ENVELOPED_COMMAND = 4 + 3 + 65_535 + 2;

/** CLA INS P1 P2 of an ENVELOPE this layer carries (interindustry class, P1 = P2 = 00). */
export function isEnvelope(cla: number, ins: number, p1: number, p2: number): boolean {
  return ins === INS_ENVELOPE && (cla & 0x80) === 0 && p1 === 0 && p2 === 0;
}

/** The pieces received so far of one enveloped command. */
export class EnvelopeAssembler {
  #pieces: Uint8Array[] = [];
  #length = 0;

  /** True while pieces are held (an ENVELOPE chain is open). */
  get open(): boolean {
    return this.#pieces.length > 0;
  }

  get length(): number {
    return this.#length;
  }

  /** Adds a piece; false (and everything dropped) when the command would be too long. */
  append(piece: Uint8Array): boolean {
    if (this.#length + piece.length > MAX_ENVELOPED_COMMAND) {
      this.reset();
      return false;
    }
    this.#pieces.push(piece.slice());
    this.#length += piece.length;
    return true;
  }

  /** The whole command, and the chain closed. */
  take(): Uint8Array {
    const command = new Uint8Array(this.#length);
    let at = 0;
    for (const p of this.#pieces) {
      command.set(p, at);
      at += p.length;
    }
    this.reset();
    return command;
  }

  reset(): void {
    this.#pieces = [];
    this.#length = 0;
  }
}
