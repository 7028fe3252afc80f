// A T=1 card for the ISO layer's tests (card side of ISO 7816-3 §11): blocks with LRC or CRC,
// chaining both ways by IFSC/IFSD, S(IFS), S(RESYNCH), S(WTX) before an answer, R-blocks for
// bad blocks, retransmission of its last block on request — and faults on demand: drop a block
// it would send (silence), corrupt its EDC, or take a good block from the reader as bad.
import { diFromCode, fiFromCode } from '../../../protocol/iso7816-tables.ts';
import type { CardModel, CardSide } from './card-line.ts';
import { xor } from './card-line.ts';

/** CRC of ISO 7816-3 §11.4.4.2 as libccid computes it: reflected 0x8408, init FFFF, high first. */
export function crc16(bytes: readonly number[]): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >> 1) ^ 0x8408 : crc >> 1;
  }
  return crc;
}

export function edc(bytes: readonly number[], crc: boolean): number[] {
  if (!crc) return [xor(bytes)];
  const c = crc16(bytes);
  return [c >> 8, c & 0xff];
}

export function block(nad: number, pcb: number, inf: readonly number[], crc = false): number[] {
  const body = [nad, pcb, inf.length, ...inf];
  return [...body, ...edc(body, crc)];
}

export function edcValid(b: readonly number[], crc: boolean): boolean {
  const n = crc ? 2 : 1;
  if (b.length < 3 + n) return false;
  const body = b.slice(0, b.length - n);
  return edc(body, crc).every((x, i) => x === b[b.length - n + i]);
}

export type Fault = 'drop' | 'corrupt' | undefined;

export interface T1CardOptions {
  atr: readonly number[];
  app: (apdu: number[]) => number[];
  crc?: boolean;
  /** The card's IFSC (as its ATR says). */
  ifsc?: number;
  /** S(WTX request) with this multiplier before each answer. */
  wtx?: number;
  /** How many S(WTX request)s before each answer, `workEtu` apart (default 1). */
  wtxRounds?: number;
  /** Before answering: etu of work (the reader's BWT must cover it). */
  workEtu?: number;
  /** For each block the card is about to send (0, 1, …): drop it or corrupt its EDC. */
  fault?: (block: number[], index: number) => Fault;
  /** For each block from the reader (0, 1, …): true = treat it as received with an EDC error. */
  garble?: (block: number[], index: number) => boolean;
  /** Answer S(IFS request) (default), ignore it, or answer it with S(WTX request) × 60. */
  ifsRequest?: 'answer' | 'ignore' | 'wtx';
  /** How the answer is cut into I-blocks (default: IFSD each); may hold empty pieces. */
  split?: (answer: number[], ifsd: number) => number[][];
  /** PPS as first exchange: echo (default), silent. */
  pps?: 'accept' | 'silent';
  inverse?: boolean;
}

export class T1Card implements CardModel {
  readonly inverse: boolean;
  readonly apdus: number[][] = [];
  /** Every block in both directions, in order. */
  readonly log: { from: 'reader' | 'card'; block: number[] }[] = [];
  ifsd = 32;
  private ns = 0;
  private nr = 0;
  /** NAD of the card's blocks: the reader's with SAD and DAD swapped (§11.3.2.1). */
  private nad = 0;
  private rx: number[] = [];
  private command: number[] = [];
  private answerChunks: number[][] = [];
  private last: number[] = [];
  private sent = 0;
  private received = 0;
  private first = true;
  private waitingWtx = false;
  private wtxLeft = 0;
  private pendingAnswer: number[] | null = null;

  constructor(private readonly o: T1CardOptions) {
    this.inverse = o.inverse ?? false;
  }

  private get crc(): boolean {
    return this.o.crc ?? false;
  }

  onReset(side: CardSide): void {
    this.ns = 0;
    this.nr = 0;
    this.ifsd = 32;
    this.rx = [];
    this.first = true;
    this.answerChunks = [];
    this.waitingWtx = false;
    side.send(this.o.atr);
  }

  onChar(side: CardSide, byte: number, ok: boolean): void {
    this.rx.push(ok ? byte : -1);
    if (this.first && this.rx[0] === 0xff) return this.onPps(side);
    if (this.rx.length < 3) return;
    const total = 3 + this.rx[2] + (this.crc ? 2 : 1);
    if (this.rx.length < total) return;
    const b = this.rx.splice(0, total);
    this.first = false;
    this.nad = ((b[0] & 0x07) << 4) | ((b[0] >> 4) & 0x07);
    this.log.push({ from: 'reader', block: b });
    const garbled =
      b.includes(-1) || !edcValid(b, this.crc) || (this.o.garble?.(b, this.received) ?? false);
    this.received++;
    side.after(2, () => this.onBlock(side, b, garbled));
  }

  private onPps(side: CardSide): void {
    const b = this.rx;
    if (b.length < 2) return;
    const n = 3 + [0x10, 0x20, 0x40].filter((bit) => (b[1] & bit) !== 0).length;
    if (b.length < n) return;
    const pps = b.splice(0, n);
    this.first = false;
    if (this.o.pps === 'silent') return;
    side.send(pps);
    const pps1 = (pps[1] & 0x10) !== 0 ? pps[2] : 0x11;
    side.setRate(fiFromCode(pps1 >> 4), diFromCode(pps1 & 15));
  }

  private send(side: CardSide, b: number[]): void {
    this.last = b;
    const fault = this.o.fault?.(b, this.sent);
    this.sent++;
    if (fault === 'drop') return;
    const out = fault === 'corrupt' ? [...b.slice(0, -1), b[b.length - 1] ^ 0x5a] : b;
    this.log.push({ from: 'card', block: out });
    side.send(out);
  }

  private sendR(side: CardSide, error: number): void {
    this.send(side, block(this.nad, 0x80 | (this.nr << 4) | error, [], this.crc));
  }

  private onBlock(side: CardSide, b: number[], garbled: boolean): void {
    if (garbled) return this.sendR(side, 1);
    const pcb = b[1];
    const inf = b.slice(3, 3 + b[2]);
    if ((pcb & 0x80) === 0) {
      const ns = (pcb >> 6) & 1;
      if (ns !== this.nr) return this.sendR(side, 0); // a repeat: ask for the next one
      this.nr ^= 1;
      this.command.push(...inf);
      if (pcb & 0x20) return this.sendR(side, 0); // more to come
      const apdu = this.command;
      this.command = [];
      this.apdus.push(apdu);
      const answer = this.o.app(apdu);
      this.answerChunks = [];
      if (this.o.split) this.answerChunks = this.o.split(answer, this.ifsd);
      else {
        for (let i = 0; i < answer.length || i === 0; i += this.ifsd) {
          this.answerChunks.push(answer.slice(i, i + this.ifsd));
        }
      }
      if (this.o.wtx) {
        this.waitingWtx = true;
        this.wtxLeft = (this.o.wtxRounds ?? 1) - 1;
        this.send(side, block(this.nad, 0xc3, [this.o.wtx], this.crc));
        return;
      }
      return this.answerLater(side);
    }
    if ((pcb & 0xc0) === 0x80) {
      const nr = (pcb >> 4) & 1;
      if (this.answerChunks.length > 0 && nr === this.ns) {
        // acknowledged: the next piece of our chain
        return this.sendChunk(side);
      }
      return this.send(side, this.last); // retransmit
    }
    // S-blocks
    switch (pcb) {
      case 0xc1:
        if (this.o.ifsRequest === 'ignore') return;
        if (this.o.ifsRequest === 'wtx')
          return this.send(side, block(this.nad, 0xc3, [60], this.crc));
        this.ifsd = inf[0];
        return this.send(side, block(this.nad, 0xe1, inf, this.crc));
      case 0xc0:
        this.ns = 0;
        this.nr = 0;
        this.command = [];
        this.answerChunks = [];
        return this.send(side, block(this.nad, 0xe0, [], this.crc));
      case 0xe3:
        if (this.waitingWtx && this.wtxLeft > 0) {
          this.wtxLeft--;
          side.after(this.o.workEtu ?? 0, () =>
            this.send(side, block(this.nad, 0xc3, [this.o.wtx!], this.crc)),
          );
          return;
        }
        if (this.waitingWtx) {
          this.waitingWtx = false;
          return this.answerLater(side);
        }
        return;
      default:
        return this.sendR(side, 2);
    }
  }

  private answerLater(side: CardSide): void {
    side.after(this.o.workEtu ?? 0, () => this.sendChunk(side));
  }

  private sendChunk(side: CardSide): void {
    const chunk = this.answerChunks.shift()!;
    const more = this.answerChunks.length > 0;
    const pcb = (this.ns << 6) | (more ? 0x20 : 0);
    this.ns ^= 1;
    this.send(side, block(this.nad, pcb, chunk, this.crc));
  }
}
