// PIN masking for traces: the data field of VERIFY (INS 20), CHANGE REFERENCE DATA (24), RESET
// RETRY COUNTER (2C), any class, and the social security card's CHANGE PIN (CLA 8x INS 5E) never
// appears in a trace. Each masker is fed one byte at a time, in order, and says whether that byte
// must be masked, deciding only from the bytes before it (a trace is written as it goes).

import { isPinCommand } from '../../protocol/pin-commands.ts';

export { isPinCommand };

/** One command APDU (or T=0 TPDU) byte by byte: CLA INS P1 P2 [Lc | 00 Lc Lc] data [Le]. */
export class ApduMasker {
  private index = 0;
  private cla = 0;
  private pin = false;
  private dataStart = 5;
  private dataEnd = 5;

  /** True when the command seen so far is a PIN command. */
  get isPin(): boolean {
    return this.pin;
  }

  feed(byte: number): boolean {
    const i = this.index++;
    if (i === 0) this.cla = byte;
    else if (i === 1) this.pin = isPinCommand(this.cla, byte);
    else if (i === 4) {
      // Extended length (ISO 7816-4 §5.1): 00 then two length bytes.
      if (byte === 0) this.dataStart = 7;
      else this.dataEnd = 5 + byte;
    } else if (i === 5 && this.dataStart === 7) this.dataEnd = 7 + (byte << 8);
    else if (i === 6 && this.dataStart === 7) this.dataEnd += byte;
    return this.pin && i >= this.dataStart && i < this.dataEnd;
  }
}

/**
 * T=0 on the card line: 5-byte headers from the reader, procedure bytes from the card
 * (ISO 7816-3 §10.3.3), data in either direction, SW1 SW2. Reader data after a PIN header is
 * masked. A PPS exchange (first byte FF) and the ATR pass through unmasked.
 */
export class T0StreamMasker {
  private state: 'header' | 'procedure' | 'data-all' | 'data-one' | 'sw2' | 'pps' = 'header';
  private header: number[] = [];
  private ins = 0;
  private remaining = 0;
  private pin = false;
  private ppsAnswered = false;

  reset(): void {
    this.state = 'header';
    this.header = [];
    this.pin = false;
  }

  fromReader(byte: number): boolean {
    switch (this.state) {
      case 'data-all':
        if (--this.remaining <= 0) this.state = 'procedure';
        return this.pin;
      case 'data-one':
        this.remaining--;
        this.state = 'procedure';
        return this.pin;
      case 'pps':
        if (!this.ppsAnswered) return false;
        this.reset();
        return this.fromReader(byte);
      case 'procedure':
      case 'sw2':
        // The reader started a new command: resynchronise on it.
        this.reset();
        return this.fromReader(byte);
      case 'header':
        if (this.header.length === 0 && byte === 0xff) {
          this.state = 'pps';
          this.ppsAnswered = false;
          return false;
        }
        this.header.push(byte);
        if (this.header.length === 5) {
          const [cla, ins, , , p3] = this.header;
          this.ins = ins;
          this.pin = isPinCommand(cla, ins);
          this.remaining = p3;
          this.header = [];
          this.state = 'procedure';
        }
        return false;
    }
  }

  fromCard(byte: number): void {
    switch (this.state) {
      case 'procedure':
        if (byte === 0x60) return; // NULL
        if ((byte & 0xf0) === 0x60 || (byte & 0xf0) === 0x90) this.state = 'sw2';
        else if (byte === this.ins) {
          this.state = 'data-all';
          if (this.remaining === 0) this.remaining = 256; // case 2, P3 = 0
        } else if (byte === (this.ins ^ 0xff)) this.state = 'data-one';
        return;
      case 'data-all':
        if (--this.remaining <= 0) this.state = 'procedure';
        return;
      case 'data-one':
        this.remaining--;
        this.state = 'procedure';
        return;
      case 'sw2':
        this.state = 'header';
        return;
      case 'pps':
        this.ppsAnswered = true;
        return;
      case 'header':
        return; // ATR or garbage: nothing to mask
    }
  }
}

type ChainState = 'none' | 'pin' | 'plain';

/**
 * T=1 on the card line: blocks NAD PCB LEN INF EDC (ISO 7816-3 §11.3). The line is half-duplex
 * and blocks alternate, so a reader block is the run of reader bytes between card bytes. The INF
 * of the first I-block of a chain is an APDU; continuation I-blocks of a PIN command are masked
 * whole; a retransmitted I-block (same N(S)) is masked like the first time; the EDC of a masked
 * block is masked too (an LRC reveals the XOR of the PIN bytes).
 */
export class T1StreamMasker {
  private index = 0;
  private pcb = 0;
  private len = 0;
  private mode: 'apdu' | 'all' | 'none' = 'none';
  private apdu = new ApduMasker();
  private blockMasked = false;
  private chain: ChainState = 'none';
  private lastI: { ns: number; chainBefore: ChainState } | undefined;
  private readerTurn = false;

  reset(): void {
    this.index = 0;
    this.chain = 'none';
    this.lastI = undefined;
    this.readerTurn = false;
  }

  fromReader(byte: number): boolean {
    if (!this.readerTurn) this.index = 0;
    this.readerTurn = true;
    const i = this.index++;
    if (i === 0) return false; // NAD
    if (i === 1) {
      this.pcb = byte;
      return false;
    }
    if (i === 2) {
      this.len = byte;
      this.startBlock();
      return false;
    }
    if (i < 3 + this.len) {
      const masked = this.mode === 'all' || (this.mode === 'apdu' && this.apdu.feed(byte));
      if (masked) this.blockMasked = true;
      if (i === 2 + this.len) this.endInf();
      return masked;
    }
    return this.blockMasked; // EDC
  }

  fromCard(): void {
    this.readerTurn = false;
  }

  private isIBlock(): boolean {
    return (this.pcb & 0x80) === 0;
  }

  private startBlock(): void {
    this.blockMasked = false;
    this.mode = 'none';
    if (!this.isIBlock()) return;
    const ns = (this.pcb >> 6) & 1;
    if (this.lastI && this.lastI.ns === ns) this.chain = this.lastI.chainBefore;
    this.lastI = { ns, chainBefore: this.chain };
    this.mode = this.chain === 'none' ? 'apdu' : this.chain === 'pin' ? 'all' : 'none';
    this.apdu = new ApduMasker();
    if (this.len === 0) this.endInf();
  }

  private endInf(): void {
    if (!this.isIBlock()) return;
    const pin = this.mode === 'apdu' ? this.apdu.isPin : this.chain === 'pin';
    const more = (this.pcb & 0x20) !== 0;
    this.chain = more ? (pin ? 'pin' : 'plain') : 'none';
  }
}
