// The update agent (firmware/FLASH.md, PROTOCOL.md "Firmware update"): receives a signed image
// into the secondary slot, never touching the running one, through two sector buffers so that
// the host can send the next sector while the previous one is programmed. Every flash operation
// is asynchronous (flash_erase / flash_write, then on_flash_done); the agent runs them one at a
// time as a small job machine, and journals each sector once it is written and read back, so that
// a transfer cut by a power loss resumes where the flash says it got to.
import { flash_erase, flash_read, flash_write, boot_request_update } from '../hal';
import { FlashStatus, LogLevel } from '../../hal-constants';
import {
  FLASH_SECTOR_SIZE,
  SLOT_SIZE,
  WINDOW_SECONDARY_SLOT,
  WINDOW_UPDATE_JOURNAL,
} from '../../../protocol/image/flash-map';
import { ImageCheck } from '../../../protocol/image/image-constants';
import { SHA256_LENGTH, UpdateState, VendorStatus } from '../../../protocol/native-constants';
import { alignUp, flashClaim, flashGeometryOk, flashIdle, FLASH_USER_UPDATE } from './flash-access';
import { bootStoredSecurityCounter } from './boot-record';
import { checkSlotImage, hashSlot } from './image-check';
import {
  journalFull,
  journalHeader,
  journalNextRecordAddr,
  journalProgress,
  journalRecordWritten,
  journalResumeOffset,
  journalStarted,
  JOURNAL_HEADER_SIZE,
} from './update-journal';
import { logAppend, logNumber, logSend, logStart } from './log-text';

/** Largest UpdateWrite data: two fit a sector, and one fits a native-profile message. */
export const UPDATE_CHUNK_SIZE: i32 = 2048;

const SECTOR = FLASH_SECTOR_SIZE;
const buffers = memory.data(2 * FLASH_SECTOR_SIZE);
const expectedSha = memory.data(SHA256_LENGTH);
const digest = memory.data(SHA256_LENGTH);
const readBack = memory.data(256);

// Per buffer: state, image offset of its first byte, bytes in it.
const BUF_FREE: i32 = 0;
const BUF_FILLING: i32 = 1;
const BUF_FULL: i32 = 2;
const BUF_FLUSHING: i32 = 3;
const bufState = memory.data(8);
const bufBase = memory.data(8);
const bufLength = memory.data(8);

enum Job {
  None,
  JournalErase,
  JournalHeader,
  SectorErase,
  SectorWrite,
  Progress,
  DiscardJournal,
  DiscardImage,
}

let state: i32 = UpdateState.Idle;
let imageSize: i32 = 0;
let received: i32 = 0;
let committed: i32 = 0;
let job: Job = Job.None;
/** Bumped by every UpdateBegin (new image) and UpdateAbort: a job of an older transfer is stale. */
let transfer: i32 = 0;
let jobTransfer: i32 = 0;
let journalResetPending = false;
let discardJournalPending = false;
let discardImagePending = false;
let flushing: i32 = -1;
/** The last failure's status, reported by the next UpdateWrite/UpdateFinish. */
let failure: i32 = VendorStatus.Ok;

function bs(i: i32): i32 {
  return load<i32>(bufState + <usize>(i << 2));
}
function setBs(i: i32, v: i32): void {
  store<i32>(bufState + <usize>(i << 2), v);
}
function base(i: i32): i32 {
  return load<i32>(bufBase + <usize>(i << 2));
}
function length(i: i32): i32 {
  return load<i32>(bufLength + <usize>(i << 2));
}
function setLength(i: i32, v: i32): void {
  store<i32>(bufLength + <usize>(i << 2), v);
}
function bufPtr(i: i32): usize {
  return buffers + <usize>(i * SECTOR);
}

function startFilling(i: i32, at: i32): void {
  setBs(i, BUF_FILLING);
  store<i32>(bufBase + <usize>(i << 2), at);
  setLength(i, 0);
  // Erased flash reads FF: the tail of a last, partial unit is programmed as FF.
  memory.fill(bufPtr(i), 0xff, SECTOR);
}

function fillingBuffer(): i32 {
  return bs(0) == BUF_FILLING ? 0 : bs(1) == BUF_FILLING ? 1 : -1;
}

function resetBuffers(from: i32): void {
  setBs(0, BUF_FREE);
  setBs(1, BUF_FREE);
  flushing = -1;
  if (from < imageSize) startFilling(0, from);
}

export function agentReset(): void {
  state = UpdateState.Idle;
  imageSize = 0;
  received = 0;
  committed = 0;
  job = Job.None;
  transfer++;
  journalResetPending = false;
  discardJournalPending = false;
  discardImagePending = false;
  failure = VendorStatus.Ok;
  setBs(0, BUF_FREE);
  setBs(1, BUF_FREE);
  flushing = -1;
}

export function agentState(): i32 {
  return state;
}
export function agentSetState(s: i32): void {
  state = s;
}
export function agentReceived(): i32 {
  return received;
}
export function agentImageSize(): i32 {
  return imageSize;
}

/** Flash work of the agent still queued or running. */
export function agentBusy(): bool {
  return (
    job != Job.None ||
    journalResetPending ||
    discardJournalPending ||
    discardImagePending ||
    bs(0) == BUF_FULL ||
    bs(1) == BUF_FULL ||
    flushing >= 0
  );
}

/** UpdateBegin: returns a VendorStatus; on Ok, `beginResume()` is the offset to go on from. */
export function agentBegin(size: i32, sha: usize): i32 {
  if (!flashGeometryOk()) return VendorStatus.StorageError;
  if (state == UpdateState.Testing) return VendorStatus.BadState;
  if (size <= 0 || size > SLOT_SIZE) return VendorStatus.BadParameter;
  const same = imageSize == size && memory.compare(expectedSha, sha, SHA256_LENGTH) == 0;
  // The same image again while it is still being received: go on from what was accepted.
  if (same && state == UpdateState.Receiving && failure == VendorStatus.Ok) return VendorStatus.Ok;
  if (agentBusy()) return VendorStatus.Busy;
  transfer++;
  failure = VendorStatus.Ok;
  imageSize = size;
  memory.copy(expectedSha, sha, SHA256_LENGTH);
  const resume = journalResumeOffset(size, sha);
  if (resume >= 0) {
    committed = resume;
  } else {
    committed = 0;
    journalResetPending = true;
  }
  received = committed;
  resetBuffers(committed);
  state = UpdateState.Receiving;
  pump();
  return VendorStatus.Ok;
}

export function beginResume(): i32 {
  return received;
}

/** UpdateWrite: data of `len` bytes at image offset `offset`, already CRC-checked. */
export function agentWrite(offset: i32, data: usize, len: i32): i32 {
  if (state != UpdateState.Receiving) return VendorStatus.BadState;
  if (failure != VendorStatus.Ok) return failure;
  if (offset != received || len > imageSize - received) return VendorStatus.BadParameter;
  const f = fillingBuffer();
  if (f < 0) return VendorStatus.Busy;
  let room = SECTOR - length(f);
  if (bs(1 - f) == BUF_FREE) room += SECTOR;
  if (len > room) return VendorStatus.Busy;
  let p = data;
  let n = len;
  while (n > 0) {
    const i = fillingBuffer();
    if (i < 0) break; // unreachable: room was checked
    const end = base(i) + length(i);
    let take = SECTOR - length(i);
    if (take > n) take = n;
    if (take > imageSize - end) take = imageSize - end;
    memory.copy(bufPtr(i) + <usize>length(i), p, <usize>take);
    setLength(i, length(i) + take);
    received += take;
    p += <usize>take;
    n -= take;
    if (length(i) == SECTOR || base(i) + length(i) == imageSize) {
      setBs(i, BUF_FULL);
      const next = base(i) + SECTOR;
      if (bs(1 - i) == BUF_FREE && next < imageSize) startFilling(1 - i, next);
    }
  }
  pump();
  return VendorStatus.Ok;
}

/** UpdateFinish: everything received and in flash; check it and ask for a test swap. */
export function agentFinish(): i32 {
  if (state == UpdateState.Pending) return VendorStatus.Ok;
  if (state != UpdateState.Receiving) return VendorStatus.BadState;
  if (failure != VendorStatus.Ok) return failure;
  if (received != imageSize) return VendorStatus.BadState;
  if (agentBusy() || committed != imageSize) return VendorStatus.Busy;
  if (!hashSlot(imageSize, digest))
    return fail(VendorStatus.StorageError, 'update: secondary slot unreadable');
  if (memory.compare(digest, expectedSha, SHA256_LENGTH) != 0)
    return fail(
      VendorStatus.ChecksumError,
      'update: SHA-256 of the received image does not match UpdateBegin',
    );
  const check = checkSlotImage(imageSize, bootStoredSecurityCounter());
  if (check != ImageCheck.Ok) {
    logStart('update: image refused, ImageCheck ');
    logNumber(<u32>check);
    logSend(LogLevel.Warn);
    state = UpdateState.Failed;
    failure = VendorStatus.BadImage;
    return VendorStatus.BadImage;
  }
  // A test swap: the boot stage reverts it unless this firmware confirms the new image.
  boot_request_update(0);
  state = UpdateState.Pending;
  return VendorStatus.Ok;
}

/**
 * UpdateAbort: forget the transfer. The journal goes, so nothing resumes; after UpdateFinish the
 * image's first sector goes too, so that the boot stage finds nothing to swap (it records the
 * request as refused).
 */
export function agentAbort(): i32 {
  if (state == UpdateState.Testing) return VendorStatus.BadState;
  if (state == UpdateState.Pending) discardImagePending = true;
  if (state == UpdateState.Receiving || state == UpdateState.Pending || state == UpdateState.Failed)
    discardJournalPending = true;
  transfer++;
  journalResetPending = false;
  setBs(0, BUF_FREE);
  setBs(1, BUF_FREE);
  flushing = -1;
  state = UpdateState.Idle;
  imageSize = 0;
  received = 0;
  committed = 0;
  failure = VendorStatus.Ok;
  pump();
  return VendorStatus.Ok;
}

function fail(status: i32, text: string): i32 {
  logStart(text);
  logSend(LogLevel.Error);
  failure = status;
  state = UpdateState.Failed;
  return status;
}

function claim(next: Job): void {
  job = next;
  jobTransfer = transfer;
  flashClaim(FLASH_USER_UPDATE);
}

/** Starts the next flash operation the agent needs, if the part is free. */
export function agentPump(): void {
  pump();
}

function pump(): void {
  if (job != Job.None || !flashIdle()) return;
  if (discardImagePending) {
    claim(Job.DiscardImage);
    flash_erase(WINDOW_SECONDARY_SLOT, SECTOR);
    return;
  }
  if (discardJournalPending) {
    claim(Job.DiscardJournal);
    flash_erase(WINDOW_UPDATE_JOURNAL, SECTOR);
    return;
  }
  if (state != UpdateState.Receiving || failure != VendorStatus.Ok) return;
  if (journalResetPending) {
    claim(Job.JournalErase);
    flash_erase(WINDOW_UPDATE_JOURNAL, SECTOR);
    return;
  }
  // The full buffer that comes first in the image.
  let b = -1;
  for (let i = 0; i < 2; i++) if (bs(i) == BUF_FULL && (b < 0 || base(i) < base(b))) b = i;
  if (b < 0) return;
  if (journalFull()) {
    fail(VendorStatus.StorageError, 'update: the update journal is full');
    return;
  }
  flushing = b;
  setBs(b, BUF_FLUSHING);
  claim(Job.SectorErase);
  flash_erase(WINDOW_SECONDARY_SLOT + base(b), SECTOR);
}

/** on_flash_done for an operation the agent started. */
export function agentOnFlashDone(status: i32): void {
  const done = job;
  job = Job.None;
  if (done == Job.DiscardImage) {
    discardImagePending = false;
    pump();
    return;
  }
  if (done == Job.DiscardJournal) {
    discardJournalPending = false;
    pump();
    return;
  }
  if (jobTransfer != transfer) {
    // Finished for a transfer that was aborted or replaced meanwhile.
    pump();
    return;
  }
  if (status != FlashStatus.Ok) {
    flushing = -1;
    fail(VendorStatus.StorageError, 'update: flash operation failed');
    return;
  }
  switch (done) {
    case Job.JournalErase: {
      claim(Job.JournalHeader);
      flash_write(
        WINDOW_UPDATE_JOURNAL,
        journalHeader(imageSize, expectedSha),
        JOURNAL_HEADER_SIZE,
      );
      return;
    }
    case Job.JournalHeader: {
      journalResetPending = false;
      journalStarted();
      break;
    }
    case Job.SectorErase: {
      const b = flushing;
      claim(Job.SectorWrite);
      flash_write(WINDOW_SECONDARY_SLOT + base(b), bufPtr(b), alignUp(length(b)));
      return;
    }
    case Job.SectorWrite: {
      const b = flushing;
      if (!readsBack(b)) {
        flushing = -1;
        fail(VendorStatus.StorageError, 'update: a sector did not read back as written');
        return;
      }
      claim(Job.Progress);
      flash_write(journalNextRecordAddr(), journalProgress(base(b) + length(b)), 8);
      return;
    }
    case Job.Progress: {
      const b = flushing;
      journalRecordWritten();
      committed = base(b) + length(b);
      setBs(b, BUF_FREE);
      flushing = -1;
      if (fillingBuffer() < 0 && received < imageSize && received % SECTOR == 0)
        startFilling(b, received);
      break;
    }
    default:
      break;
  }
  pump();
}

function readsBack(b: i32): bool {
  const len = length(b);
  for (let at = 0; at < len; at += 256) {
    const n = len - at < 256 ? len - at : 256;
    if (flash_read(WINDOW_SECONDARY_SLOT + base(b) + at, readBack, n) != 0) return false;
    if (memory.compare(readBack, bufPtr(b) + <usize>at, <usize>n) != 0) return false;
  }
  return true;
}

export { JOURNAL_HEADER_SIZE };
