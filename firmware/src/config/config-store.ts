// The configuration area (firmware/FLASH.md "Configuration area"): the settings written on the
// production line (serial number, display language, beeper, default timeouts), kept in two
// sectors used in turn so that a power cut during a write leaves the old or the new settings,
// never a mix. In RAM: the current values, loaded at init; other layers read them through the
// getters below.
import { flash_read } from '../hal';
import {
  ConfigTag,
  TLV_MAX_VALUE_LENGTH,
  VendorStatus,
  EXCHANGE_LIMIT_DEFAULT_S,
  EXCHANGE_LIMIT_MIN_S,
  EXCHANGE_LIMIT_MAX_S,
} from '../../../protocol/native-constants';
import { WINDOW_CONFIG_A, WINDOW_CONFIG_B } from '../../../protocol/image/flash-map';
import { TIME_EXTENSION_INTERVAL_MS } from '../timing';
import { PIN_DEFAULT_TIMEOUT_S } from '../pin/pin-constants';
import { LangId } from '../../../protocol/ccid-constants';
import { crc32, crc32Continue } from '../update/crc32';

/** Bytes 4B 52 43 46 ("KRCF") as a little-endian u32. */
export const CONFIG_MAGIC: u32 = 0x4643524b;
export const CONFIG_LAYOUT: i32 = 1;
export const CONFIG_HEADER_SIZE: i32 = 16;
/**
 * Longest TLV list: serial (2 + 32), language (4), beeper (3), PIN timeout (3), interval (4),
 * exchange limit (4).
 */
export const CONFIG_TLV_CAPACITY: i32 = 52;
export const SERIAL_NUMBER_MAX: i32 = 32;

/** Defaults until provisioning writes the area (PROTOCOL.md "Configuration"). */
export const DEFAULT_LANGUAGE: i32 = LangId.ChinesePrc;
export const DEFAULT_BEEPER: i32 = 1;
export const DEFAULT_PIN_TIMEOUT_S: i32 = PIN_DEFAULT_TIMEOUT_S;
export const MIN_PIN_TIMEOUT_S: i32 = 1;
/** Time-extension interval bounds: often enough for libccid, not so often it floods the link. */
export const MIN_TIME_EXTENSION_MS: i32 = 100;
export const MAX_TIME_EXTENSION_MS: i32 = 10000;

const serial = memory.data(SERIAL_NUMBER_MAX);
let serialLength: i32 = 0;
let language: i32 = DEFAULT_LANGUAGE;
let beeper: i32 = DEFAULT_BEEPER;
let pinTimeout: i32 = DEFAULT_PIN_TIMEOUT_S;
let timeExtension: i32 = TIME_EXTENSION_INTERVAL_MS;
let exchangeLimit: i32 = EXCHANGE_LIMIT_DEFAULT_S;
/** Which sector holds the current record (-1: none) and its sequence number. */
let currentSector: i32 = -1;
let sequence: u32 = 0;
let readable = true;
let writing = false;

const record = memory.data(CONFIG_HEADER_SIZE + CONFIG_TLV_CAPACITY);

// ---- what other layers read ----

/** Writes the provisioned serial number's ASCII bytes at `out`; 0 when none was provisioned. */
export function configSerialNumber(out: usize): i32 {
  memory.copy(out, serial, <usize>serialLength);
  return serialLength;
}
/** LANGID of the display language. */
export function configLanguage(): i32 {
  return language;
}
export function configBeeper(): bool {
  return beeper != 0;
}
/** PIN entry timeout in seconds when a Secure command's bTimeOut is 0. */
export function configPinTimeoutSeconds(): i32 {
  return pinTimeout;
}
/** Milliseconds between time-extension answers during long card operations. */
export function configTimeExtensionMs(): i32 {
  return timeExtension;
}
/** Milliseconds one card exchange may take in all (firmware/src/iso exchange.ts). */
export function configExchangeLimitMs(): i32 {
  return exchangeLimit * 1000;
}

// ---- state shared with the writer (config-escape.ts) ----

export function configReadable(): bool {
  return readable;
}
export function configBusy(): bool {
  return writing;
}
export function configSetWriting(w: bool): void {
  writing = w;
}
export function configCurrentSector(): i32 {
  return currentSector;
}
export function configSequence(): u32 {
  return sequence;
}
export function configCommitted(sector: i32, seq: u32): void {
  currentSector = sector;
  sequence = seq;
}

function setDefaults(): void {
  serialLength = 0;
  language = DEFAULT_LANGUAGE;
  beeper = DEFAULT_BEEPER;
  pinTimeout = DEFAULT_PIN_TIMEOUT_S;
  timeExtension = TIME_EXTENSION_INTERVAL_MS;
  exchangeLimit = EXCHANGE_LIMIT_DEFAULT_S;
}

/** Loads the newest valid record (defaults when there is none). */
export function configLoad(): void {
  setDefaults();
  currentSector = -1;
  sequence = 0;
  readable = true;
  writing = false;
  let best: i32 = -1;
  let bestSeq: u32 = 0;
  for (let s = 0; s < 2; s++) {
    const seq = validRecordSequence(s == 0 ? WINDOW_CONFIG_A : WINDOW_CONFIG_B);
    if (seq != 0 && (best < 0 || seq > bestSeq)) {
      best = s;
      bestSeq = seq;
    }
  }
  if (best < 0) return;
  validRecordSequence(best == 0 ? WINDOW_CONFIG_A : WINDOW_CONFIG_B);
  const length = <i32>load<u16>(record, 6);
  if (configApply(record + CONFIG_HEADER_SIZE, length, true) != VendorStatus.Ok) {
    setDefaults();
    return;
  }
  currentSector = best;
  sequence = bestSeq;
}

/** Reads the record at `addr` into `record`; its sequence (≥ 1) when whole and valid, else 0. */
function validRecordSequence(addr: i32): u32 {
  if (flash_read(addr, record, CONFIG_HEADER_SIZE) != 0) {
    readable = false;
    return 0;
  }
  if (load<u32>(record) != CONFIG_MAGIC || <i32>load<u8>(record, 4) != CONFIG_LAYOUT) return 0;
  const length = <i32>load<u16>(record, 6);
  if (length > CONFIG_TLV_CAPACITY) return 0;
  if (flash_read(addr + CONFIG_HEADER_SIZE, record + CONFIG_HEADER_SIZE, length) != 0) {
    readable = false;
    return 0;
  }
  const seq = load<u32>(record, 8);
  if (seq == 0 || seq == 0xffffffff) return 0;
  if (load<u32>(record, 12) != recordCrc(record, length)) return 0;
  return seq;
}

/** CRC-32 over the first 12 header bytes and the TLVs (the CRC field itself is left out). */
export function recordCrc(rec: usize, length: i32): u32 {
  return crc32Continue(crc32(rec, 12), rec + CONFIG_HEADER_SIZE, length);
}

/**
 * Checks a ConfigWrite TLV list and, when `apply`, stores its values. Returns VendorStatus.Ok when
 * valid, else: BadLength for a truncated TLV, BadParameter for an unknown or repeated tag or
 * a value out of range.
 */
export function configApply(ptr: usize, len: i32, apply: bool): i32 {
  let seen: i32 = 0;
  let at: i32 = 0;
  while (at < len) {
    if (at + 2 > len) return VendorStatus.BadLength;
    const tag = <i32>load<u8>(ptr + <usize>at);
    const n = <i32>load<u8>(ptr + <usize>(at + 1));
    const v = ptr + <usize>(at + 2);
    if (at + 2 + n > len || n > TLV_MAX_VALUE_LENGTH) return VendorStatus.BadLength;
    if (tag < 1 || tag > 31 || (seen & (1 << tag)) != 0) return VendorStatus.BadParameter;
    seen |= 1 << tag;
    switch (tag) {
      case ConfigTag.SerialNumber: {
        if (n < 1 || n > SERIAL_NUMBER_MAX) return VendorStatus.BadParameter;
        for (let i = 0; i < n; i++) {
          const c = <i32>load<u8>(v + <usize>i);
          if (c < 0x20 || c > 0x7e) return VendorStatus.BadParameter;
        }
        if (apply) {
          memory.copy(serial, v, <usize>n);
          serialLength = n;
        }
        break;
      }
      case ConfigTag.Language: {
        if (n != 2) return VendorStatus.BadParameter;
        if (apply) language = <i32>load<u16>(v);
        break;
      }
      case ConfigTag.Beeper: {
        if (n != 1 || load<u8>(v) > 1) return VendorStatus.BadParameter;
        if (apply) beeper = <i32>load<u8>(v);
        break;
      }
      case ConfigTag.PinTimeout: {
        if (n != 1 || <i32>load<u8>(v) < MIN_PIN_TIMEOUT_S) return VendorStatus.BadParameter;
        if (apply) pinTimeout = <i32>load<u8>(v);
        break;
      }
      case ConfigTag.TimeExtensionInterval: {
        if (n != 2) return VendorStatus.BadParameter;
        const ms = <i32>load<u16>(v);
        if (ms < MIN_TIME_EXTENSION_MS || ms > MAX_TIME_EXTENSION_MS)
          return VendorStatus.BadParameter;
        if (apply) timeExtension = ms;
        break;
      }
      case ConfigTag.ExchangeLimit: {
        if (n != 2) return VendorStatus.BadParameter;
        const seconds = <i32>load<u16>(v);
        if (seconds < EXCHANGE_LIMIT_MIN_S || seconds > EXCHANGE_LIMIT_MAX_S)
          return VendorStatus.BadParameter;
        if (apply) exchangeLimit = seconds;
        break;
      }
      default:
        return VendorStatus.BadParameter;
    }
    at += 2 + n;
  }
  return VendorStatus.Ok;
}

/**
 * The current settings as a TLV list at `out` (the serial number only when provisioned). For the
 * flash record (`record`) the exchange limit only when it differs from the default: firmware
 * older than the tag refuses a record that holds it, and would lose every setting after a
 * rollback.
 */
export function configEncode(out: usize, record: bool): i32 {
  let p = out;
  if (serialLength > 0) p = tlv(p, ConfigTag.SerialNumber, serial, serialLength);
  p = tlvU16(p, ConfigTag.Language, language);
  p = tlvU8(p, ConfigTag.Beeper, beeper);
  p = tlvU8(p, ConfigTag.PinTimeout, pinTimeout);
  p = tlvU16(p, ConfigTag.TimeExtensionInterval, timeExtension);
  if (!record || exchangeLimit != EXCHANGE_LIMIT_DEFAULT_S)
    p = tlvU16(p, ConfigTag.ExchangeLimit, exchangeLimit);
  return <i32>(p - out);
}

/** One tag's TLV at `out`, or nothing for an unknown or unset tag; returns the bytes written. */
export function configEncodeTag(out: usize, tag: i32): i32 {
  switch (tag) {
    case ConfigTag.SerialNumber:
      return serialLength > 0 ? <i32>(tlv(out, tag, serial, serialLength) - out) : 0;
    case ConfigTag.Language:
      return <i32>(tlvU16(out, tag, language) - out);
    case ConfigTag.Beeper:
      return <i32>(tlvU8(out, tag, beeper) - out);
    case ConfigTag.PinTimeout:
      return <i32>(tlvU8(out, tag, pinTimeout) - out);
    case ConfigTag.TimeExtensionInterval:
      return <i32>(tlvU16(out, tag, timeExtension) - out);
    case ConfigTag.ExchangeLimit:
      return <i32>(tlvU16(out, tag, exchangeLimit) - out);
    default:
      return 0;
  }
}

function tlv(p: usize, tag: i32, v: usize, n: i32): usize {
  store<u8>(p, <u8>tag);
  store<u8>(p, <u8>n, 1);
  memory.copy(p + 2, v, <usize>n);
  return p + 2 + <usize>n;
}
function tlvU8(p: usize, tag: i32, v: i32): usize {
  store<u8>(p, <u8>tag);
  store<u8>(p, 1, 1);
  store<u8>(p, <u8>v, 2);
  return p + 3;
}
function tlvU16(p: usize, tag: i32, v: i32): usize {
  store<u8>(p, <u8>tag);
  store<u8>(p, 2, 1);
  store<u16>(p + 2, <u16>v);
  return p + 4;
}
