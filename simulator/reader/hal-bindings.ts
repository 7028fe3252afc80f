// The HAL imports (firmware/HAL.md) as the firmware calls them: every argument is checked
// against the contract, and a call outside it throws HalUsageError, which unwinds the firmware
// like a hard fault (the reader records it and restarts the firmware). Nothing here calls back
// into the firmware: effects are scheduled and come back later as events.
import {
  DISPLAY_COLUMNS,
  DISPLAY_ROWS,
  LogLevel,
  MAX_CARD_CLOCK_KHZ,
  SLOT_COUNT,
  TIMER_COUNT,
  UartFlag,
  type HalImports,
} from '../../firmware/hal.ts';
import type { VoltageClassCode } from '../card/contract.ts';
import { HalUsageError } from '../errors.ts';
import { settingFromHal, settingProblem } from '../line/line-setting.ts';

/** What the reader hardware offers behind the imports (reader.ts implements it). */
export interface HalBackend {
  memory(): Uint8Array;
  cardPower(slot: number, voltage: VoltageClassCode): void;
  cardClock(slot: number, khz: number): void;
  cardReset(slot: number, high: boolean): void;
  cardUart(slot: number, f: number, d: number, n: number, flags: number): void;
  cardSend(slot: number, bytes: Uint8Array): void;
  cardWait(slot: number, etu: number): void;
  cardPresent(slot: number): boolean;
  hostSend(bytes: Uint8Array): void;
  timerSet(id: number, ms: number): void;
  timerCancel(id: number): void;
  nowMs(): number;
  displayClear(): void;
  displayText(row: number, col: number, text: string): void;
  beep(hz: number, ms: number): void;
  flashGeometry(): { size: number; sectorSize: number; writeAlign: number };
  flashRead(addr: number, len: number): Uint8Array | number;
  flashBusy(): boolean;
  flashErase(addr: number, len: number): void;
  flashWrite(addr: number, ptr: number, len: number): void;
  bootConfirm(): void;
  bootRequestUpdate(permanent: boolean): void;
  systemReset(): void;
  deviceUid(): Uint8Array;
  log(level: LogLevel, text: string): void;
  panic(line: number, column: number): void;
}

const KNOWN_UART_FLAGS = UartFlag.Inverse | UartFlag.T1;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function makeHalImports(hw: HalBackend): HalImports {
  const fail = (name: string, message: string): never => {
    throw new HalUsageError(name, message);
  };
  const int = (name: string, what: string, v: number, min: number, max: number): number => {
    if (!Number.isInteger(v) || v < min || v > max)
      fail(name, `${what} must be ${min}..${max}, got ${v}`);
    return v;
  };
  const slotOf = (name: string, slot: number) => int(name, 'slot', slot, 0, SLOT_COUNT - 1);
  const view = (name: string, ptr: number, len: number): Uint8Array => {
    const mem = hw.memory();
    if (
      !Number.isInteger(ptr) ||
      !Number.isInteger(len) ||
      ptr < 0 ||
      len < 0 ||
      ptr + len > mem.length
    )
      fail(name, `buffer ${ptr}+${len} is outside the ${mem.length}-byte memory`);
    return mem.subarray(ptr, ptr + len);
  };

  return {
    card_power: (slot, voltage) =>
      hw.cardPower(
        slotOf('card_power', slot),
        int('card_power', 'voltage', voltage, 0, 3) as VoltageClassCode,
      ),
    card_clock: (slot, khz) =>
      hw.cardClock(
        slotOf('card_clock', slot),
        int('card_clock', 'khz', khz, 0, MAX_CARD_CLOCK_KHZ),
      ),
    card_reset: (slot, high) =>
      hw.cardReset(slotOf('card_reset', slot), int('card_reset', 'level', high, 0, 1) === 1),
    card_uart: (slot, f, d, n, flags) => {
      slotOf('card_uart', slot);
      if ((flags & ~KNOWN_UART_FLAGS) !== 0)
        fail('card_uart', `unknown flags 0x${flags.toString(16)}`);
      const problem = settingProblem(settingFromHal(f, d, n, flags));
      if (problem) fail('card_uart', problem);
      hw.cardUart(slot, f, d, n, flags);
    },
    card_send: (slot, ptr, len) =>
      hw.cardSend(slotOf('card_send', slot), view('card_send', ptr, len).slice()),
    card_wait: (slot, etu) =>
      hw.cardWait(slotOf('card_wait', slot), int('card_wait', 'etu', etu, 0, 0x7fffffff)),
    card_present: (slot) => (hw.cardPresent(slotOf('card_present', slot)) ? 1 : 0),
    host_send: (ptr, len) => hw.hostSend(view('host_send', ptr, len).slice()),
    timer_set: (id, ms) =>
      hw.timerSet(
        int('timer_set', 'id', id, 0, TIMER_COUNT - 1),
        int('timer_set', 'ms', ms, 0, 0x7fffffff),
      ),
    timer_cancel: (id) => hw.timerCancel(int('timer_cancel', 'id', id, 0, TIMER_COUNT - 1)),
    now_ms: () => hw.nowMs(),
    display_clear: () => hw.displayClear(),
    display_text: (row, col, ptr, len) => {
      int('display_text', 'row', row, 0, DISPLAY_ROWS - 1);
      int('display_text', 'col', col, 0, DISPLAY_COLUMNS - 1);
      let text = '';
      try {
        text = utf8.decode(view('display_text', ptr, len));
      } catch (e) {
        if (e instanceof HalUsageError) throw e;
        fail('display_text', 'text is not valid UTF-8');
      }
      hw.displayText(row, col, text);
    },
    beep: (hz, ms) => hw.beep(int('beep', 'hz', hz, 1, 20_000), int('beep', 'ms', ms, 0, 60_000)),
    flash_size: () => hw.flashGeometry().size,
    flash_sector_size: () => hw.flashGeometry().sectorSize,
    flash_write_align: () => hw.flashGeometry().writeAlign,
    flash_read: (addr, ptr, len) => {
      const dest = view('flash_read', ptr, len);
      const data = hw.flashRead(addr, len);
      if (typeof data === 'number') return data;
      dest.set(data);
      return 0;
    },
    flash_erase: (addr, len) => {
      if (hw.flashBusy()) fail('flash_erase', 'another flash operation is still running');
      hw.flashErase(addr, len);
    },
    flash_write: (addr, ptr, len) => {
      if (hw.flashBusy()) fail('flash_write', 'another flash operation is still running');
      view('flash_write', ptr, len);
      hw.flashWrite(addr, ptr, len);
    },
    boot_confirm: () => hw.bootConfirm(),
    boot_request_update: (permanent) => hw.bootRequestUpdate(permanent !== 0),
    system_reset: () => hw.systemReset(),
    device_uid: (ptr, cap) => {
      const uid = hw.deviceUid();
      const n = Math.min(int('device_uid', 'cap', cap, 0, 0x7fffffff), uid.length);
      view('device_uid', ptr, n).set(uid.subarray(0, n));
      return n;
    },
    log: (level, ptr, len) => {
      int('log', 'level', level, LogLevel.Error, LogLevel.Debug);
      let text: string;
      try {
        text = utf8.decode(view('log', ptr, len));
      } catch (e) {
        if (e instanceof HalUsageError) throw e;
        text = new TextDecoder().decode(view('log', ptr, len));
      }
      hw.log(level, text);
    },
    panic: (line, column) => hw.panic(line, column),
  };
}
