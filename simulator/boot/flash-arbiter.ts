// One flash part, two users: the boot stage (its boot sequence, and the boot_confirm /
// boot_request_update services it runs for the firmware) and the firmware (through its window).
// The part does one operation at a time (HAL.md "One flash operation at a time"), so operations
// queue here and run in order. A power cut tears the running operation in the flash model and
// forgets the queue; a firmware reset abandons only the firmware's own operations.
import { FlashStatus } from '../../firmware/hal-constants.ts';

/** What the boot stage needs of the flash part: simulator/reader/flash.ts's Flash has it. */
export interface FlashDevice {
  readonly geometry: {
    readonly size: number;
    readonly sectorSize: number;
    readonly writeAlign: number;
  };
  readonly busy: boolean;
  read(addr: number, len: number): Uint8Array | FlashStatus;
  erase(addr: number, len: number, done: (status: FlashStatus) => void): void;
  write(
    addr: number,
    len: number,
    source: () => Uint8Array,
    done: (status: FlashStatus) => void,
  ): void;
  powerCut(): void;
}

export type FlashUser = 'boot' | 'firmware';

export interface QueuedOp {
  readonly user: FlashUser;
  readonly kind: 'erase' | 'write';
  readonly addr: number;
  readonly len: number;
  readonly source?: () => Uint8Array;
  readonly done: (status: FlashStatus) => void;
}

export class FlashArbiter {
  private queue: QueuedOp[] = [];
  private running: QueuedOp | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(readonly flash: FlashDevice) {}

  submit(op: QueuedOp): void {
    this.queue.push(op);
    this.pump();
  }

  /** True while `user` has an operation queued or running. */
  pending(user: FlashUser): boolean {
    return this.running?.user === user || this.queue.some((o) => o.user === user);
  }

  get idle(): boolean {
    return !this.running && this.queue.length === 0;
  }

  /** Runs `fn` once nothing is queued or running (at once if idle). */
  whenIdle(fn: () => void): void {
    if (this.idle) fn();
    else this.idleWaiters.push(fn);
  }

  /** The power is gone: the flash model already tore the running op; forget everything. */
  powerCut(): void {
    this.running = undefined;
    this.queue = [];
    this.idleWaiters = [];
  }

  /** The MCU reset: the firmware's running op is torn, its queued ones dropped. */
  firmwareReset(): void {
    this.queue = this.queue.filter((o) => o.user !== 'firmware');
    if (this.running?.user === 'firmware') {
      this.flash.powerCut();
      this.running = undefined;
      this.pump();
    }
  }

  private pump(): void {
    if (this.running) return;
    const op = this.queue.shift();
    if (!op) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
      return;
    }
    this.running = op;
    const finished = (status: FlashStatus) => {
      if (this.running !== op) return; // torn by a cut or reset: its completion never counts
      this.running = undefined;
      op.done(status);
      this.pump();
    };
    if (op.kind === 'erase') this.flash.erase(op.addr, op.len, finished);
    else this.flash.write(op.addr, op.len, op.source!, finished);
  }
}
