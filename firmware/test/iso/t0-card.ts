// A T=0 card for the ISO layer's tests (card side of ISO 7816-3 §10): reads headers, answers
// with procedure bytes (optionally NULLs, one byte at a time with INS ^ FF), keeps case 4
// answers for GET RESPONSE (61xx), insists on the exact Le (6Cxx), collects ENVELOPE pieces,
// and takes a PPS as the first exchange. The commands themselves are a function of the test.
import { diFromCode, fiFromCode } from '../../../protocol/iso7816-tables.ts';
import type { CardModel, CardSide } from './card-line.ts';
import { xor } from './card-line.ts';

export interface CardCommand {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data: number[];
}

export type CardApplication = (command: CardCommand) => { data: number[]; sw: number };

/** INS whose TPDU carries data to the card (cases 3 and 4); any other INS sends data out. */
export const INCOMING_INS = new Set([0x20, 0x24, 0x2c, 0x82, 0x88, 0xa4, 0xc2, 0xd6, 0xdc, 0xe2]);

export interface T0CardOptions {
  atr: readonly number[];
  app: CardApplication;
  /** NULL bytes before every procedure byte and before SW1. */
  nulls?: number;
  /** NULL bytes after all data, where SW1 is expected (osmo 8bb7693). */
  nullsBeforeSw?: number;
  /** etu between NULLs (they may come slower than characters). */
  nullGapEtu?: number;
  /** Transfer data one byte at a time (INS ^ FF before each). */
  byteByByte?: boolean;
  /** PPS as first exchange: echo it (and switch), stay silent, or answer wrongly. */
  pps?: 'accept' | 'silent' | 'wrong';
  inverse?: boolean;
  /** Procedure byte sent instead of a valid one for the first command (protocol violation). */
  badProcedureByte?: number;
}

export class T0Card implements CardModel {
  readonly inverse: boolean;
  readonly commands: CardCommand[] = [];
  readonly headers: number[][] = [];
  readonly resets: boolean[] = [];
  ppsSeen: number[] = [];
  private buffer: number[] = [];
  private state: 'header' | 'data' | 'pps' | 'off' = 'off';
  private firstExchange = true;
  private header: number[] = [];
  private expected = 0;
  private pending: number[] = [];
  private envelope: number[] = [];

  constructor(private readonly o: T0CardOptions) {
    this.inverse = o.inverse ?? false;
  }

  onReset(side: CardSide, warm: boolean): void {
    this.resets.push(warm);
    this.state = 'header';
    this.firstExchange = true;
    this.buffer = [];
    side.send(this.o.atr);
  }

  onChar(side: CardSide, byte: number): void {
    if (this.state === 'off') return;
    this.buffer.push(byte);
    if (this.state === 'header' && this.firstExchange && this.buffer[0] === 0xff) {
      this.state = 'pps';
    }
    if (this.state === 'pps') return this.onPps(side);
    this.firstExchange = false;
    if (this.state === 'header') {
      if (this.buffer.length < 5) return;
      this.header = this.buffer.splice(0, 5);
      this.headers.push(this.header);
      this.onHeader(side);
    } else if (this.state === 'data') {
      if (this.o.byteByByte && this.buffer.length < this.expected) {
        this.procedure(side, [this.header[1] ^ 0xff]);
        return;
      }
      if (this.buffer.length < this.expected) return;
      const data = this.buffer.splice(0, this.expected);
      this.state = 'header';
      this.execute(side, data);
    }
  }

  private onPps(side: CardSide): void {
    const b = this.buffer;
    if (b.length < 2) return;
    const n = 3 + [0x10, 0x20, 0x40].filter((bit) => (b[1] & bit) !== 0).length;
    if (b.length < n) return;
    this.ppsSeen = b.splice(0, n);
    this.state = 'header';
    this.firstExchange = false;
    if (this.o.pps === 'silent' || this.o.pps === undefined) return;
    if (this.o.pps === 'wrong') {
      side.send([0xff, 0x10, 0x18, xor([0xff, 0x10, 0x18])]);
      return;
    }
    side.send(this.ppsSeen);
    const pps1 = (this.ppsSeen[1] & 0x10) !== 0 ? this.ppsSeen[2] : 0x11;
    side.setRate(fiFromCode(pps1 >> 4), diFromCode(pps1 & 15));
  }

  /** NULLs (each `nullGapEtu` apart) then the procedure byte. */
  private procedure(side: CardSide, bytes: number[]): void {
    const nulls: number[] = new Array(this.o.nulls ?? 0).fill(0x60);
    side.send([...nulls, ...bytes], { gapEtu: nulls.length ? (this.o.nullGapEtu ?? 0) : 0 });
  }

  private sw(side: CardSide, data: number[], sw: number): void {
    if (data.length) side.send(data);
    const nulls: number[] = new Array((this.o.nullsBeforeSw ?? 0) + (this.o.nulls ?? 0)).fill(0x60);
    const gapEtu = nulls.length ? (this.o.nullGapEtu ?? 0) : 0;
    side.send([...nulls, sw >> 8, sw & 0xff], { gapEtu, delayEtu: gapEtu });
  }

  private onHeader(side: CardSide): void {
    const [, ins, , , p3] = this.header;
    if (
      this.o.badProcedureByte !== undefined &&
      this.commands.length === 0 &&
      !this.pending.length
    ) {
      this.procedure(side, [this.o.badProcedureByte]);
      this.commands.push({ cla: 0, ins: 0, p1: 0, p2: 0, data: [] }); // once
      return;
    }
    if (ins === 0xc0) return this.getResponse(side, p3 === 0 ? 256 : p3);
    if (INCOMING_INS.has(ins)) {
      if (p3 === 0) return this.execute(side, []);
      this.state = 'data';
      this.expected = p3;
      this.procedure(side, [this.o.byteByByte ? ins ^ 0xff : ins]);
      return;
    }
    // Data out of the card: only the exact length (6Cxx otherwise).
    const le = p3 === 0 ? 256 : p3;
    const r = this.run({ data: [] });
    if (r.data.length > 256 && le === 256) {
      // More than one TPDU holds (case 2E): 256 now, the rest by GET RESPONSE.
      this.pending = r.data.slice(256);
      const rest = this.pending.length;
      this.sendOut(side, r.data.slice(0, 256), 0x6100 | (rest > 255 ? 0 : rest));
      return;
    }
    if (r.data.length !== le && r.data.length > 0) {
      this.sw(side, [], 0x6c00 | (r.data.length & 0xff));
      return;
    }
    this.sendOut(side, r.data, r.sw);
  }

  private sendOut(side: CardSide, data: number[], sw: number): void {
    if (data.length === 0) return this.sw(side, [], sw);
    if (this.o.byteByByte) {
      for (const b of data) {
        this.procedure(side, [this.header[1] ^ 0xff]);
        side.send([b]);
      }
      this.sw(side, [], sw);
      return;
    }
    this.procedure(side, [this.header[1]]);
    this.sw(side, data, sw);
  }

  private getResponse(side: CardSide, le: number): void {
    if (this.pending.length === 0) return this.sw(side, [], 0x6985);
    if (le > this.pending.length) return this.sw(side, [], 0x6c00 | (this.pending.length & 0xff));
    const out = this.pending.splice(0, le);
    const rest = this.pending.length;
    this.sendOut(side, out, rest > 0 ? 0x6100 | (rest > 255 ? 0 : rest) : 0x9000);
  }

  private execute(side: CardSide, data: number[]): void {
    if (this.header[1] === 0xc2) {
      // ENVELOPE: pieces of a C-APDU; the empty one ends it.
      if (data.length > 0) {
        this.envelope.push(...data);
        this.sw(side, [], 0x9000);
        return;
      }
      const apdu = this.envelope;
      this.envelope = [];
      const nc = (apdu[5] << 8) | apdu[6];
      this.header = apdu.slice(0, 4).concat([0]);
      this.answer(side, this.run({ data: apdu.slice(7, 7 + nc) }, apdu.slice(0, 4)));
      return;
    }
    this.answer(side, this.run({ data }));
  }

  private answer(side: CardSide, r: { data: number[]; sw: number }): void {
    if (r.data.length === 0) return this.sw(side, [], r.sw);
    this.pending = [...r.data];
    this.sw(side, [], 0x6100 | (r.data.length > 255 ? 0 : r.data.length));
  }

  private run(c: { data: number[] }, header = this.header): { data: number[]; sw: number } {
    const command = { cla: header[0], ins: header[1], p1: header[2], p2: header[3], data: c.data };
    this.commands.push(command);
    return this.o.app(command);
  }
}
