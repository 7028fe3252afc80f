// The boot journal (firmware/FLASH.md "Boot journal"): the boot stage's private, power-fail-safe
// memory. Two sectors used in turn; each holds a header record and then 16-byte records appended
// in order, each with its CRC-32, so that a record torn by a power cut is recognised and skipped.
// Replaying the records of the newest sector gives the state: the stored security counter, a
// pending update request, a swap in progress and its last completed step, whether the primary
// image is confirmed, and the outcome of the last update. MCUboot keeps the same facts in slot
// trailers (iso7816-and-ccid.md §E4); a separate journal keeps them out of the sectors the swap
// moves.
import { readU16LE, readU32LE, writeU16LE, writeU32LE } from '../../protocol/bytes.ts';
import {
  BOOT_JOURNAL_A_ADDR,
  BOOT_JOURNAL_B_ADDR,
  BootOutcome,
  FLASH_SECTOR_SIZE,
} from '../../protocol/image/flash-map.ts';
import { ImageCheck } from '../../protocol/image/image-constants.ts';
import { crc32 } from '../../protocol/native/update.ts';
import { BootError } from './boot-error.ts';

export const JOURNAL_RECORD_SIZE = 16;
export const JOURNAL_SLOTS = FLASH_SECTOR_SIZE / JOURNAL_RECORD_SIZE;
export const JOURNAL_LAYOUT = 1;

export enum RecordKind {
  /** Slot 0 of a sector, written last when the sector is filled: c = sequence number. */
  Header = 1,
  /** c = the stored security counter (the highest one counts). */
  Counter = 2,
  /** a = SwapType.Test or SwapType.Permanent: the firmware asked for the secondary image. */
  Request = 3,
  /** a = SwapType, b = sectors: a swap begins. */
  SwapStart = 4,
  /** b = index of the step just completed (3 steps per sector). */
  SwapStep = 5,
  /** a = SwapType: the swap is complete. */
  SwapDone = 6,
  /** The primary image confirmed itself (MCUboot's image_ok). */
  Confirm = 7,
  /** a = ImageCheck: the requested image failed the checks; the request is dropped. */
  Reject = 8,
}

export enum SwapType {
  Test = 1,
  Permanent = 2,
  Revert = 3,
}

export interface JournalRecord {
  kind: RecordKind;
  a?: number;
  b?: number;
  c?: number;
}

export interface SwapProgress {
  readonly type: SwapType;
  readonly sectors: number;
  /** Steps completed, 0 … 3 × sectors. */
  readonly stepsDone: number;
}

export interface JournalState {
  readonly counter: number;
  readonly request: SwapType.Test | SwapType.Permanent | undefined;
  readonly swap: SwapProgress | undefined;
  /** False while a test image runs unconfirmed. */
  readonly confirmed: boolean;
  readonly outcome: BootOutcome;
  readonly reason: ImageCheck;
}

export const EMPTY_STATE: JournalState = {
  counter: 0,
  request: undefined,
  swap: undefined,
  confirmed: true,
  outcome: BootOutcome.None,
  reason: ImageCheck.Ok,
};

export function encodeRecord(r: JournalRecord): Uint8Array {
  const b = new Uint8Array(JOURNAL_RECORD_SIZE);
  b[0] = r.kind;
  b[1] = r.a ?? 0;
  writeU16LE(b, 2, r.b ?? 0);
  writeU32LE(b, 4, r.c ?? 0);
  writeU32LE(b, 12, crc32(b.subarray(0, 12)));
  return b;
}

/** undefined for an erased slot; 'torn' for a slot that holds anything but a whole record. */
export function decodeRecord(b: Uint8Array): JournalRecord | 'torn' | undefined {
  if (b.every((x) => x === 0xff)) return undefined;
  if (readU32LE(b, 12) !== crc32(b.subarray(0, 12)) || readU32LE(b, 8) !== 0) return 'torn';
  return { kind: b[0], a: b[1], b: readU16LE(b, 2), c: readU32LE(b, 4) };
}

/** Applies one record. Unknown kinds are ignored: a later boot stage may add some. */
export function applyRecord(s: JournalState, r: JournalRecord): JournalState {
  switch (r.kind) {
    case RecordKind.Counter:
      return { ...s, counter: Math.max(s.counter, r.c ?? 0) };
    case RecordKind.Request:
      return r.a === SwapType.Test || r.a === SwapType.Permanent ? { ...s, request: r.a } : s;
    case RecordKind.SwapStart:
      return {
        ...s,
        request: undefined,
        swap: { type: r.a as SwapType, sectors: r.b ?? 0, stepsDone: 0 },
      };
    case RecordKind.SwapStep:
      return s.swap ? { ...s, swap: { ...s.swap, stepsDone: (r.b ?? 0) + 1 } } : s;
    case RecordKind.SwapDone:
      if (r.a === SwapType.Test)
        return {
          ...s,
          swap: undefined,
          confirmed: false,
          outcome: BootOutcome.Trial,
          reason: ImageCheck.Ok,
        };
      if (r.a === SwapType.Permanent)
        return {
          ...s,
          swap: undefined,
          confirmed: true,
          outcome: BootOutcome.Updated,
          reason: ImageCheck.Ok,
        };
      return {
        ...s,
        swap: undefined,
        confirmed: true,
        outcome: BootOutcome.Reverted,
        reason: ImageCheck.Ok,
      };
    case RecordKind.Confirm:
      return s.confirmed ? s : { ...s, confirmed: true, outcome: BootOutcome.Updated };
    case RecordKind.Reject:
      return { ...s, request: undefined, outcome: BootOutcome.Rejected, reason: r.a ?? 0 };
    default:
      return s;
  }
}

/** The records that rebuild `s` in a fresh sector (only when no swap is in progress). */
export function summaryOf(s: JournalState): JournalRecord[] {
  const out: JournalRecord[] = [{ kind: RecordKind.Counter, c: s.counter }];
  if (s.outcome === BootOutcome.Trial || !s.confirmed)
    out.push({ kind: RecordKind.SwapDone, a: SwapType.Test });
  else if (s.outcome === BootOutcome.Updated)
    out.push({ kind: RecordKind.SwapDone, a: SwapType.Permanent });
  else if (s.outcome === BootOutcome.Reverted)
    out.push({ kind: RecordKind.SwapDone, a: SwapType.Revert });
  else if (s.outcome === BootOutcome.Rejected) out.push({ kind: RecordKind.Reject, a: s.reason });
  if (s.request !== undefined) out.push({ kind: RecordKind.Request, a: s.request });
  return out;
}

export interface JournalSector {
  readonly addr: number;
  readonly sequence: number;
  readonly state: JournalState;
  /** The slot the next record goes to (after the last slot that is not erased). */
  readonly next: number;
}

/** Reads one sector: undefined unless slot 0 holds a valid header. */
export function readSector(addr: number, bytes: Uint8Array): JournalSector | undefined {
  const head = decodeRecord(bytes.subarray(0, JOURNAL_RECORD_SIZE));
  if (!head || head === 'torn' || head.kind !== RecordKind.Header || head.a !== JOURNAL_LAYOUT)
    return undefined;
  let state = EMPTY_STATE;
  let next = 1;
  for (let slot = 1; slot < JOURNAL_SLOTS; slot++) {
    const r = decodeRecord(
      bytes.subarray(slot * JOURNAL_RECORD_SIZE, (slot + 1) * JOURNAL_RECORD_SIZE),
    );
    if (r === undefined) continue;
    next = slot + 1;
    if (r !== 'torn') state = applyRecord(state, r);
  }
  return { addr, sequence: head.c ?? 0, state, next };
}

export const JOURNAL_SECTORS = [BOOT_JOURNAL_A_ADDR, BOOT_JOURNAL_B_ADDR] as const;

/** The newest valid sector of the two, or undefined on a blank (or wrecked) part. */
export function readJournal(
  read: (addr: number, len: number) => Uint8Array,
): JournalSector | undefined {
  let best: JournalSector | undefined;
  for (const addr of JOURNAL_SECTORS) {
    const s = readSector(addr, read(addr, FLASH_SECTOR_SIZE));
    if (s && (!best || s.sequence > best.sequence)) best = s;
  }
  return best;
}

export type FlashOp =
  { kind: 'erase'; addr: number; len: number } | { kind: 'write'; addr: number; data: Uint8Array };

/** The journal as the boot stage uses it: state in memory, records appended through flash ops. */
export class Journal {
  constructor(
    private sector: JournalSector,
    private current: JournalState = sector.state,
  ) {}

  get state(): JournalState {
    return this.current;
  }

  get free(): number {
    return JOURNAL_SLOTS - this.sector.next;
  }

  /** The write op that appends `r`; the state and cursor move at once. */
  append(r: JournalRecord): FlashOp {
    if (this.free <= 0) throw new BootError('journal-full', 'the boot journal is full');
    const addr = this.sector.addr + this.sector.next * JOURNAL_RECORD_SIZE;
    this.sector = { ...this.sector, next: this.sector.next + 1 };
    this.current = applyRecord(this.current, r);
    return { kind: 'write', addr, data: encodeRecord(r) };
  }

  /**
   * Rewrites the state into the other sector: erase it, write the summary after slot 0, then
   * the header last (the commit point), then erase the old sector. A cut before the header
   * leaves the old sector current; after it, the new one has the higher sequence.
   */
  *compact(): Generator<FlashOp, void, void> {
    if (this.current.swap)
      throw new BootError('journal-full', 'cannot compact the journal during a swap');
    const target =
      this.sector.addr === JOURNAL_SECTORS[0] ? JOURNAL_SECTORS[1] : JOURNAL_SECTORS[0];
    yield* Journal.format(target, this.sector.sequence + 1, summaryOf(this.current));
    const old = this.sector.addr;
    this.sector = readSectorFromRecords(target, this.sector.sequence + 1, summaryOf(this.current));
    yield { kind: 'erase', addr: old, len: FLASH_SECTOR_SIZE };
  }

  /** Ops that lay out a fresh sector holding `records`, header last. */
  static *format(
    addr: number,
    sequence: number,
    records: readonly JournalRecord[],
  ): Generator<FlashOp, void, void> {
    yield { kind: 'erase', addr, len: FLASH_SECTOR_SIZE };
    if (records.length) {
      const body = new Uint8Array(records.length * JOURNAL_RECORD_SIZE);
      records.forEach((r, i) => body.set(encodeRecord(r), i * JOURNAL_RECORD_SIZE));
      yield { kind: 'write', addr: addr + JOURNAL_RECORD_SIZE, data: body };
    }
    yield {
      kind: 'write',
      addr,
      data: encodeRecord({ kind: RecordKind.Header, a: JOURNAL_LAYOUT, c: sequence }),
    };
  }

  static fresh(addr: number, sequence: number, records: readonly JournalRecord[]): Journal {
    return new Journal(readSectorFromRecords(addr, sequence, records));
  }
}

function readSectorFromRecords(
  addr: number,
  sequence: number,
  records: readonly JournalRecord[],
): JournalSector {
  return {
    addr,
    sequence,
    state: records.reduce(applyRecord, EMPTY_STATE),
    next: 1 + records.length,
  };
}
