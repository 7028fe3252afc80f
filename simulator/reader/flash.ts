// The reader's flash as NOR flash behaves: erased bytes read FF; erase works on whole sectors;
// programming writes aligned units into erased bytes only; both take realistic time, unit by
// unit, so a power cut in the middle leaves the operation torn (the unit or sector in progress
// holds a mix of old and new bits). Optionally persisted to `<stateDir>/flash.bin` after every
// operation, so a reader keeps its flash across runs.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlashStatus } from '../../firmware/hal.ts';
import {
  FLASH_SECTOR_SIZE,
  FLASH_SIZE,
  FLASH_WRITE_ALIGN,
} from '../../protocol/image/flash-map.ts';
import type { Prng } from '../engine/prng.ts';
import { NS_PER_MS, NS_PER_US, type VirtualClock } from '../engine/virtual-clock.ts';
import { FlashStateError } from '../errors.ts';

export interface FlashGeometry {
  size: number;
  sectorSize: number;
  writeAlign: number;
  /** Time to erase one sector, ns. */
  eraseSectorNs: number;
  /** Time to program one aligned unit, ns. */
  writeUnitNs: number;
}

/** The reader's flash part (protocol/image/flash-map.ts, firmware/FLASH.md). */
export const DEFAULT_FLASH: FlashGeometry = {
  size: FLASH_SIZE,
  sectorSize: FLASH_SECTOR_SIZE,
  writeAlign: FLASH_WRITE_ALIGN,
  eraseSectorNs: 20 * NS_PER_MS,
  writeUnitNs: 60 * NS_PER_US,
};

export const FLASH_FILE = 'flash.bin';

interface Operation {
  kind: 'erase' | 'write';
  addr: number;
  len: number;
  start: number;
  unitNs: number;
  unitLen: number;
  /** Reads the firmware's source buffer now (writes: it must stay unchanged until done). */
  source?: () => Uint8Array;
  handle: number;
  done: (status: FlashStatus) => void;
}

export class Flash {
  readonly geometry: FlashGeometry;
  readonly data: Uint8Array;
  private op: Operation | undefined;
  private opCount = 0;
  private cutPlan: { op: number; fraction: number; cut: () => void } | undefined;

  constructor(
    private readonly clock: VirtualClock,
    private readonly rng: Prng,
    private readonly note: (text: string) => void,
    geometry: Partial<FlashGeometry> = {},
    private readonly stateDir?: string,
  ) {
    this.geometry = { ...DEFAULT_FLASH, ...geometry };
    const g = this.geometry;
    if (g.size % g.sectorSize !== 0 || g.sectorSize % g.writeAlign !== 0)
      throw new FlashStateError('flash size must be whole sectors of whole write units');
    this.data = new Uint8Array(g.size).fill(0xff);
    if (stateDir) this.load(stateDir);
  }

  get busy(): boolean {
    return this.op !== undefined;
  }

  read(addr: number, len: number): Uint8Array | FlashStatus {
    if (!this.inRange(addr, len)) return FlashStatus.BadRange;
    return this.data.slice(addr, addr + len);
  }

  /** Starts an erase; `done` runs later with its status. The caller checked `busy`. */
  erase(addr: number, len: number, done: (status: FlashStatus) => void): void {
    const g = this.geometry;
    if (!this.inRange(addr, len) || addr % g.sectorSize !== 0 || len % g.sectorSize !== 0) {
      this.finishSoon(done, FlashStatus.BadRange);
      return;
    }
    this.begin({ kind: 'erase', addr, len, unitNs: g.eraseSectorNs, unitLen: g.sectorSize }, done);
  }

  /** Starts programming `len` bytes that `source()` reads from the firmware's buffer. */
  write(
    addr: number,
    len: number,
    source: () => Uint8Array,
    done: (status: FlashStatus) => void,
  ): void {
    const g = this.geometry;
    if (!this.inRange(addr, len) || addr % g.writeAlign !== 0 || len % g.writeAlign !== 0) {
      this.finishSoon(done, FlashStatus.BadRange);
      return;
    }
    if (this.data.subarray(addr, addr + len).some((b) => b !== 0xff)) {
      // NOR flash programs only erased bytes; the device refuses (HAL.md FlashStatus.Failed).
      this.finishSoon(done, FlashStatus.Failed);
      return;
    }
    this.begin(
      { kind: 'write', addr, len, unitNs: g.writeUnitNs, unitLen: g.writeAlign, source },
      done,
    );
  }

  /**
   * Cuts power during flash operation number `op` (1 = the next one to start), `fraction` of the
   * way through it: `cut` is the reader's power cut (MCUboot-style power-loss testing).
   */
  planPowerCut(op: number, fraction: number, cut: () => void): void {
    this.cutPlan = { op: this.opCount + op, fraction, cut };
  }

  /** Power is gone: the operation in progress stops where it is, torn. */
  powerCut(): void {
    const op = this.op;
    if (!op) return;
    this.clock.cancel(op.handle);
    this.op = undefined;
    const units = Math.floor((this.clock.now() - op.start) / op.unitNs);
    const doneLen = Math.min(op.len, units * op.unitLen);
    this.apply(op, op.addr, doneLen);
    const tornAt = op.addr + doneLen;
    if (doneLen < op.len) this.tear(op, tornAt, Math.min(op.unitLen, op.addr + op.len - tornAt));
    this.note(`flash ${op.kind} ${hex(op.addr)}+${op.len} torn by a power cut at ${hex(tornAt)}`);
    this.save();
  }

  private begin(
    spec: Omit<Operation, 'start' | 'handle' | 'done'>,
    done: (status: FlashStatus) => void,
  ): void {
    const start = this.clock.now();
    const units = spec.len / spec.unitLen;
    const op: Operation = { ...spec, start, done, handle: 0 };
    op.handle = this.clock.schedule(units * spec.unitNs, () => this.complete(op));
    this.op = op;
    this.opCount++;
    const plan = this.cutPlan;
    if (plan && plan.op === this.opCount) {
      this.cutPlan = undefined;
      this.clock.schedule(Math.max(0, plan.fraction) * units * spec.unitNs, () => {
        if (this.op === op) plan.cut();
      });
    }
  }

  private complete(op: Operation): void {
    this.op = undefined;
    this.apply(op, op.addr, op.len);
    this.save();
    op.done(FlashStatus.Ok);
  }

  private apply(op: Operation, addr: number, len: number): void {
    if (len <= 0) return;
    if (op.kind === 'erase') {
      this.data.fill(0xff, addr, addr + len);
    } else {
      const src = op.source!();
      const from = addr - op.addr;
      // Programming can only clear bits.
      for (let i = 0; i < len; i++) this.data[addr + i] &= src[from + i];
    }
  }

  private tear(op: Operation, addr: number, len: number): void {
    const noise = this.rng.bytes(len);
    if (op.kind === 'erase') {
      for (let i = 0; i < len; i++) this.data[addr + i] |= noise[i];
    } else {
      const src = op.source!();
      const from = addr - op.addr;
      // Some of the bits that should have been cleared were, some were not.
      for (let i = 0; i < len; i++) this.data[addr + i] &= src[from + i] | noise[i];
    }
  }

  private finishSoon(done: (status: FlashStatus) => void, status: FlashStatus): void {
    this.clock.schedule(0, () => done(status));
  }

  private inRange(addr: number, len: number): boolean {
    return (
      Number.isInteger(addr) &&
      Number.isInteger(len) &&
      addr >= 0 &&
      len >= 0 &&
      addr + len <= this.geometry.size
    );
  }

  private load(dir: string): void {
    const file = join(dir, FLASH_FILE);
    if (!existsSync(file)) return;
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new FlashStateError(`cannot read ${file}: ${(e as Error).message}`);
    }
    if (bytes.length !== this.geometry.size)
      throw new FlashStateError(
        `${file} holds ${bytes.length} bytes, the flash has ${this.geometry.size}`,
      );
    this.data.set(bytes);
  }

  private save(): void {
    if (!this.stateDir) return;
    try {
      mkdirSync(this.stateDir, { recursive: true });
      writeFileSync(join(this.stateDir, FLASH_FILE), this.data);
    } catch (e) {
      // The reader goes on without persistence; the failure is visible in the trace.
      this.note(`flash state not saved: ${(e as Error).message}`);
    }
  }
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
