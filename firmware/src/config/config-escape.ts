// ConfigRead / ConfigWrite (PROTOCOL.md "Configuration", firmware/FLASH.md "Configuration area").
// A write merges the TLVs into the settings, then programs the whole record into the sector that
// does not hold the current one: erase, write, and only then is it current. While that runs,
// both commands answer Busy, so a ConfigRead that succeeds reports what is in flash.
import { flash_erase, flash_write } from '../hal';
import { FlashStatus, LogLevel } from '../../hal-constants';
import {
  FLASH_SECTOR_SIZE,
  WINDOW_CONFIG_A,
  WINDOW_CONFIG_B,
} from '../../../protocol/image/flash-map';
import { VendorCommand, VendorStatus } from '../../../protocol/native-constants';
import {
  alignUp,
  flashClaim,
  flashGeometryOk,
  flashIdle,
  FLASH_USER_CONFIG,
} from '../update/flash-access';
import { logSend, logStart } from '../update/log-text';
import { escapeResult } from '../update/escape-result';
import {
  CONFIG_HEADER_SIZE,
  CONFIG_LAYOUT,
  CONFIG_MAGIC,
  CONFIG_TLV_CAPACITY,
  configApply,
  configBusy,
  configCommitted,
  configCurrentSector,
  configEncode,
  configEncodeTag,
  configLoad,
  configSequence,
  configSetWriting,
  recordCrc,
} from './config-store';

const out = memory.data(CONFIG_HEADER_SIZE + CONFIG_TLV_CAPACITY);
/** All tags once each: the most ConfigRead ever answers. */
const READ_CAPACITY: i32 = CONFIG_TLV_CAPACITY;

enum Job {
  None,
  Erase,
  Write,
}
let job: Job = Job.None;
let pendingStart = false;
let target: i32 = 0;
let lastWriteFailed = false;

export function configInit(): void {
  job = Job.None;
  pendingStart = false;
  lastWriteFailed = false;
  configLoad();
}

export function configEscape(
  command: i32,
  req: usize,
  reqLen: i32,
  resp: usize,
  respCap: i32,
): i32 {
  if (command == VendorCommand.ConfigRead) {
    if (configBusy()) return escapeResult(VendorStatus.Busy, 0);
    if (lastWriteFailed) {
      lastWriteFailed = false;
      return escapeResult(VendorStatus.StorageError, 0);
    }
    if (respCap < READ_CAPACITY) return escapeResult(VendorStatus.BadLength, 0);
    if (reqLen == 0) return escapeResult(VendorStatus.Ok, configEncode(resp, false));
    // The tags asked for, each once, in the order asked; unknown or unset tags are left out.
    let n: i32 = 0;
    let seen: i32 = 0;
    for (let i = 0; i < reqLen; i++) {
      const tag = <i32>load<u8>(req + <usize>i);
      if (tag < 32 && (seen & (1 << tag)) != 0) continue;
      if (tag < 32) seen |= 1 << tag;
      n += configEncodeTag(resp + <usize>n, tag);
    }
    return escapeResult(VendorStatus.Ok, n);
  }
  if (command == VendorCommand.ConfigWrite) {
    if (configBusy()) return escapeResult(VendorStatus.Busy, 0);
    if (reqLen == 0) return escapeResult(VendorStatus.BadLength, 0);
    if (!flashGeometryOk()) return escapeResult(VendorStatus.StorageError, 0);
    const check = configApply(req, reqLen, false);
    if (check != VendorStatus.Ok) return escapeResult(check, 0);
    configApply(req, reqLen, true);
    lastWriteFailed = false;
    prepareRecord();
    configSetWriting(true);
    pendingStart = true;
    configPump();
    return escapeResult(VendorStatus.Ok, 0);
  }
  return escapeResult(VendorStatus.UnknownCommand, 0);
}

function sectorAddr(s: i32): i32 {
  return s == 0 ? WINDOW_CONFIG_A : WINDOW_CONFIG_B;
}

function prepareRecord(): void {
  const length = configEncode(out + CONFIG_HEADER_SIZE, true);
  memory.fill(
    out + CONFIG_HEADER_SIZE + <usize>length,
    0xff,
    <usize>(CONFIG_TLV_CAPACITY - length),
  );
  store<u32>(out, CONFIG_MAGIC);
  store<u8>(out, <u8>CONFIG_LAYOUT, 4);
  store<u8>(out, 0, 5);
  store<u16>(out, <u16>length, 6);
  store<u32>(out, configSequence() + 1, 8);
  store<u32>(out, recordCrc(out, length), 12);
  target = configCurrentSector() == 0 ? 1 : 0;
}

/** Starts the pending write's next operation when the part is free. */
export function configPump(): void {
  if (!pendingStart || job != Job.None || !flashIdle()) return;
  pendingStart = false;
  job = Job.Erase;
  flashClaim(FLASH_USER_CONFIG);
  flash_erase(sectorAddr(target), FLASH_SECTOR_SIZE);
}

/** on_flash_done for an operation the configuration writer started. */
export function configOnFlashDone(status: i32): void {
  const done = job;
  job = Job.None;
  if (done == Job.None) return;
  if (status != FlashStatus.Ok) {
    logStart('config: writing the configuration area failed; the previous settings stay');
    logSend(LogLevel.Error);
    configLoad(); // back to what the flash holds
    lastWriteFailed = true;
    return;
  }
  if (done == Job.Erase) {
    job = Job.Write;
    flashClaim(FLASH_USER_CONFIG);
    flash_write(sectorAddr(target), out, alignUp(CONFIG_HEADER_SIZE + <i32>load<u16>(out, 6)));
    return;
  }
  configCommitted(target, load<u32>(out, 8));
  configSetWriting(false);
}
