// The update journal (firmware/FLASH.md "Update journal"): which image is being received into the
// secondary slot and how much of it is safely in flash, so that UpdateBegin with the same image
// resumes after a power cut. Header (48 bytes) at offset 0; 8-byte progress records after it.
import { flash_read } from '../hal';
import { FLASH_SECTOR_SIZE, WINDOW_UPDATE_JOURNAL } from '../../../protocol/image/flash-map';
import { SHA256_LENGTH } from '../../../protocol/native-constants';
import { crc32 } from './crc32';

/** Bytes 4B 52 55 4A ("KRUJ") as a little-endian u32. */
const JOURNAL_MAGIC: u32 = 0x4a55524b;
const JOURNAL_LAYOUT: i32 = 1;
export const JOURNAL_HEADER_SIZE: i32 = 48;
const HEADER_CRC: i32 = 44;
export const PROGRESS_RECORD_SIZE: i32 = 8;

const header = memory.data(JOURNAL_HEADER_SIZE);
const found = memory.data(JOURNAL_HEADER_SIZE);
const progress = memory.data(PROGRESS_RECORD_SIZE);
const scan = memory.data(PROGRESS_RECORD_SIZE);

/** Fills the header buffer for a new transfer; returns it (it must stay put until written). */
export function journalHeader(size: i32, sha: usize): usize {
  memory.fill(header, 0, JOURNAL_HEADER_SIZE);
  store<u32>(header, JOURNAL_MAGIC);
  store<u8>(header, <u8>JOURNAL_LAYOUT, 4);
  store<u32>(header, <u32>size, 8);
  memory.copy(header + 12, sha, SHA256_LENGTH);
  store<u32>(header + HEADER_CRC, crc32(header, HEADER_CRC));
  return header;
}

/** A progress record saying the image is in flash up to `end`. */
export function journalProgress(end: i32): usize {
  store<u32>(progress, <u32>end);
  store<u32>(progress, crc32(progress, 4), 4);
  return progress;
}

let nextSlot: i32 = JOURNAL_HEADER_SIZE;

/** Offset in the window where the next progress record goes. */
export function journalNextRecordAddr(): i32 {
  return WINDOW_UPDATE_JOURNAL + nextSlot;
}

export function journalRecordWritten(): void {
  nextSlot += PROGRESS_RECORD_SIZE;
}

export function journalFull(): bool {
  return nextSlot + PROGRESS_RECORD_SIZE > FLASH_SECTOR_SIZE;
}

/** After the header of a new transfer is written: no progress yet. */
export function journalStarted(): void {
  nextSlot = JOURNAL_HEADER_SIZE;
}

/**
 * If the journal describes this image (size and SHA-256), how many bytes of it are in flash
 * (a whole number of sectors, or the whole image), and positions the next record; else -1.
 */
export function journalResumeOffset(size: i32, sha: usize): i32 {
  if (flash_read(WINDOW_UPDATE_JOURNAL, found, JOURNAL_HEADER_SIZE) != 0) return -1;
  if (load<u32>(found) != JOURNAL_MAGIC || <i32>load<u8>(found, 4) != JOURNAL_LAYOUT) return -1;
  if (load<u32>(found + HEADER_CRC) != crc32(found, HEADER_CRC)) return -1;
  if (load<u32>(found, 8) != <u32>size || memory.compare(found + 12, sha, SHA256_LENGTH) != 0)
    return -1;
  let done: i32 = 0;
  let next = JOURNAL_HEADER_SIZE;
  for (
    let at = JOURNAL_HEADER_SIZE;
    at + PROGRESS_RECORD_SIZE <= FLASH_SECTOR_SIZE;
    at += PROGRESS_RECORD_SIZE
  ) {
    if (flash_read(WINDOW_UPDATE_JOURNAL + at, scan, PROGRESS_RECORD_SIZE) != 0) return -1;
    const end = load<u32>(scan);
    const check = load<u32>(scan, 4);
    if (end == 0xffffffff && check == 0xffffffff) continue;
    next = at + PROGRESS_RECORD_SIZE;
    // A torn record fails its CRC; only whole sectors (or the very end) count.
    if (check != crc32(scan, 4)) continue;
    if (end > <u32>size || (end % <u32>FLASH_SECTOR_SIZE != 0 && end != <u32>size)) continue;
    if (<i32>end > done) done = <i32>end;
  }
  nextSlot = next;
  return done;
}
