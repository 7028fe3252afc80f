// What the reader's boot stage does at every reset (firmware/FLASH.md "Boot sequence"), written
// as a generator of flash operations: each `yield` is one erase or write, and the driver
// (boot-stage.ts) resumes it with the operation's status. A power cut between two yields simply
// never resumes it; the next boot starts over from the journal, which is exactly the property the
// power-cut tests check (MCUboot's sim, iso7816-and-ccid.md §E6).
import type { KeyObject } from 'node:crypto';
import { FlashStatus } from '../../firmware/hal-constants.ts';
import {
  BOOT_RECORD_SIZE,
  BOOT_SCRATCH_ADDR,
  BootOutcome,
  FIRMWARE_WINDOW_ADDR,
  FLASH_SECTOR_SIZE,
  PRIMARY_SLOT_ADDR,
  SECONDARY_SLOT_ADDR,
  WINDOW_BOOT_RECORD,
  WINDOW_UPDATE_JOURNAL,
} from '../../protocol/image/flash-map.ts';
import type { ImageHeader } from '../../protocol/image/image.ts';
import { formatVersion } from '../../protocol/image/image.ts';
import { ImageCheck } from '../../protocol/image/image-constants.ts';
import { BootError } from './boot-error.ts';
import { encodeBootRecord, type BootStageVersion } from './boot-record.ts';
import {
  Journal,
  JOURNAL_SECTORS,
  readJournal,
  RecordKind,
  SwapType,
  type FlashOp,
} from './journal.ts';
import { checkSlot } from './slot-check.ts';

/** Journal records kept free for boot_confirm / boot_request_update between two boots. */
export const SERVICE_RESERVE = 8;
/** Per sector: scratch ← primary, primary ← secondary, secondary ← scratch. */
export const STEPS_PER_SECTOR = 3;

export interface BootEnv {
  read(addr: number, len: number): Uint8Array;
  readonly publicKey: KeyObject;
  readonly version: BootStageVersion;
  note(text: string): void;
}

export interface BootImage {
  readonly wasm: Uint8Array;
  readonly header: ImageHeader;
  /** SHA-256 of the running image (what its signature covers). */
  readonly digest: Uint8Array;
  readonly outcome: BootOutcome;
  readonly reason: ImageCheck;
  readonly storedSecurityCounter: number;
  /** The swap this boot performed or finished, if any. */
  readonly swapped: SwapType | undefined;
}

export type BootSequence = Generator<FlashOp, BootImage, FlashStatus>;

/** Runs one flash op and fails the boot if the part reports an error. */
function* run(op: FlashOp): Generator<FlashOp, void, FlashStatus> {
  const status = yield op;
  if (status !== FlashStatus.Ok)
    throw new BootError(
      'flash-failed',
      `${op.kind} at 0x${op.addr.toString(16)} failed (FlashStatus ${status})`,
    );
}

function* runAll(ops: Generator<FlashOp, void, void>): Generator<FlashOp, void, FlashStatus> {
  for (const op of ops) yield* run(op);
}

export function* bootSequence(env: BootEnv): BootSequence {
  let journal: Journal;
  const found = readJournal(env.read);
  if (found) journal = new Journal(found);
  else {
    env.note('boot: no boot journal, formatting one');
    yield* runAll(Journal.format(JOURNAL_SECTORS[0], 1, []));
    journal = Journal.fresh(JOURNAL_SECTORS[0], 1, []);
  }

  let swapped: SwapType | undefined;
  const pending = journal.state.swap;
  if (pending) {
    env.note(
      `boot: resuming ${SwapType[pending.type]} swap at step ${pending.stepsDone} of ${pending.sectors * STEPS_PER_SECTOR}`,
    );
    yield* swapSteps(journal, pending.sectors, pending.stepsDone, env);
    yield* run(journal.append({ kind: RecordKind.SwapDone, a: pending.type }));
    swapped = pending.type;
  } else if (!journal.state.confirmed) {
    // The test image had its boot and did not confirm itself: put the previous image back,
    // provided it is still there and still passes (never swap in something that cannot boot).
    const previous = checkSlot(env.read, SECONDARY_SLOT_ADDR, env.publicKey, journal.state.counter);
    if (previous.ok) {
      const trial = checkSlot(env.read, PRIMARY_SLOT_ADDR, env.publicKey, 0);
      env.note(
        `boot: test image not confirmed, reverting to ${formatVersion(previous.image.header.version)}`,
      );
      yield* swap(journal, SwapType.Revert, sectorsFor(trial.extent, previous.extent), env);
      swapped = SwapType.Revert;
    } else {
      env.note(
        `boot: test image not confirmed, but the previous image is gone (${previous.error.message}); keeping it`,
      );
      yield* run(journal.append({ kind: RecordKind.Confirm }));
    }
  }

  let primary = checkSlot(env.read, PRIMARY_SLOT_ADDR, env.publicKey, journal.state.counter);
  if (!primary.ok)
    throw new BootError(
      'no-bootable-image',
      `primary slot: ${primary.error.message}`,
      primary.error,
    );

  // A confirmed image raises the stored counter to its own (IMAGE.md "Rollback protection"),
  // before any request is checked, so that the image it replaced can never come back.
  if (journal.state.confirmed && primary.image.header.securityCounter > journal.state.counter) {
    env.note(
      `boot: security counter ${journal.state.counter} → ${primary.image.header.securityCounter}`,
    );
    yield* run(
      journal.append({ kind: RecordKind.Counter, c: primary.image.header.securityCounter }),
    );
  }

  const request = journal.state.request;
  if (request !== undefined && swapped === undefined) {
    const next = checkSlot(env.read, SECONDARY_SLOT_ADDR, env.publicKey, journal.state.counter);
    if (!next.ok) {
      env.note(`boot: update refused: ${next.error.message}`);
      yield* run(journal.append({ kind: RecordKind.Reject, a: next.error.check }));
    } else {
      env.note(
        `boot: ${SwapType[request]} swap ${formatVersion(primary.image.header.version)} → ${formatVersion(next.image.header.version)}`,
      );
      yield* swap(journal, request, sectorsFor(primary.extent, next.extent), env);
      swapped = request;
      primary = checkSlot(env.read, PRIMARY_SLOT_ADDR, env.publicKey, journal.state.counter);
      if (!primary.ok)
        throw new BootError(
          'no-bootable-image',
          `primary slot after the swap: ${primary.error.message}`,
          primary.error,
        );
      if (journal.state.confirmed && primary.image.header.securityCounter > journal.state.counter)
        yield* run(
          journal.append({ kind: RecordKind.Counter, c: primary.image.header.securityCounter }),
        );
    }
  }

  if (journal.free < SERVICE_RESERVE) yield* runAll(journal.compact());

  const image = primary.image;
  const state = journal.state;
  yield* writeBootRecord(env, {
    outcome: state.outcome,
    reason: state.reason,
    version: image.header.version,
    imageFlags: image.header.flags,
    imageSecurityCounter: image.header.securityCounter,
    storedSecurityCounter: state.counter,
    bootStage: env.version,
    imageHash: image.digest,
  });
  return {
    wasm: image.payload,
    header: image.header,
    digest: image.digest,
    outcome: state.outcome,
    reason: state.reason,
    storedSecurityCounter: state.counter,
    swapped,
  };
}

export function sectorsFor(...extents: number[]): number {
  return Math.max(1, ...extents.map((e) => Math.ceil(e / FLASH_SECTOR_SIZE)));
}

function* swap(
  journal: Journal,
  type: SwapType,
  sectors: number,
  env: BootEnv,
): Generator<FlashOp, void, FlashStatus> {
  if (journal.free < sectors * STEPS_PER_SECTOR + 2 + SERVICE_RESERVE)
    yield* runAll(journal.compact());
  // The secondary slot is about to change: the update agent's record of what it received there
  // no longer holds (FLASH.md "Update journal").
  yield* run({
    kind: 'erase',
    addr: FIRMWARE_WINDOW_ADDR + WINDOW_UPDATE_JOURNAL,
    len: FLASH_SECTOR_SIZE,
  });
  yield* run(journal.append({ kind: RecordKind.SwapStart, a: type, b: sectors }));
  yield* swapSteps(journal, sectors, 0, env);
  yield* run(journal.append({ kind: RecordKind.SwapDone, a: type }));
}

/**
 * Swap-using-scratch, one sector at a time (MCUboot §E4), with a journal record after every
 * step. Each step erases its destination and copies a source that no completed step has touched
 * since, so redoing the first unrecorded step after a power cut is always right.
 */
function* swapSteps(
  journal: Journal,
  sectors: number,
  from: number,
  env: BootEnv,
): Generator<FlashOp, void, FlashStatus> {
  for (let step = from; step < sectors * STEPS_PER_SECTOR; step++) {
    const offset = Math.floor(step / STEPS_PER_SECTOR) * FLASH_SECTOR_SIZE;
    const [src, dst] = [
      [PRIMARY_SLOT_ADDR + offset, BOOT_SCRATCH_ADDR],
      [SECONDARY_SLOT_ADDR + offset, PRIMARY_SLOT_ADDR + offset],
      [BOOT_SCRATCH_ADDR, SECONDARY_SLOT_ADDR + offset],
    ][step % STEPS_PER_SECTOR];
    const data = env.read(src, FLASH_SECTOR_SIZE);
    yield* run({ kind: 'erase', addr: dst, len: FLASH_SECTOR_SIZE });
    yield* run({ kind: 'write', addr: dst, data });
    yield* run(journal.append({ kind: RecordKind.SwapStep, b: step }));
  }
}

/** Rewrites the boot record only when it changed (an erase per boot would wear the sector). */
function* writeBootRecord(
  env: BootEnv,
  record: Parameters<typeof encodeBootRecord>[0],
): Generator<FlashOp, void, FlashStatus> {
  const addr = FIRMWARE_WINDOW_ADDR + WINDOW_BOOT_RECORD;
  const bytes = encodeBootRecord(record);
  const now = env.read(addr, BOOT_RECORD_SIZE);
  if (now.every((b, i) => b === bytes[i])) return;
  yield* run({ kind: 'erase', addr, len: FLASH_SECTOR_SIZE });
  yield* run({ kind: 'write', addr, data: bytes });
}

export { BootOutcome, ImageCheck };
