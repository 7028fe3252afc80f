// A fake HAL for firmware unit tests: records every import call, lets a test deliver events by
// hand, and loads the built firmware.wasm against it. No clock runs by itself: a test advances
// `nowMs` and fires timers explicitly, so tests are deterministic.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FirmwareExports, HalImports } from '../hal.ts';
import { HAL_MODULE, SLOT_COUNT } from '../hal.ts';

/** The two firmware builds, and the CCID test harness (firmware/src/harness, tests only). */
export type Variant = 'debug' | 'release' | 'harness';

const FILES: Record<Variant, string> = {
  debug: 'firmware.debug.wasm',
  release: 'firmware.wasm',
  harness: 'ccid-harness.wasm',
};

export function firmwarePath(variant: Variant = 'debug'): string {
  return fileURLToPath(new URL(`../build/${FILES[variant]}`, import.meta.url));
}

/** Compiled modules, so that property tests can instantiate thousands of fresh instances. */
const modules = new Map<string, WebAssembly.Module>();

export interface HalCall {
  name: keyof HalImports;
  args: number[];
}

export class FakeHal {
  /** Every import call in order (byte buffers are copied into `data`). */
  readonly calls: (HalCall & { data?: Uint8Array })[] = [];
  /** Bytes the firmware sent to the host, in order. */
  hostOut: number[] = [];
  /** Characters the firmware sent to each card slot. */
  readonly cardOut: number[][] = Array.from({ length: SLOT_COUNT }, () => []);
  /** Armed timers: id → expiry in ms. */
  readonly timers = new Map<number, number>();
  /** Armed card waiting-time counters: slot → etu. */
  readonly cardWait = new Map<number, number>();
  readonly present: number[] = Array.from({ length: SLOT_COUNT }, () => 0);
  readonly logs: string[] = [];
  display: string[] = ['', ''];
  nowMs = 0;
  flash = new Uint8Array(64 * 1024).fill(0xff);
  flashSector = 4096;
  flashAlign = 8;
  uid = new Uint8Array([0x4b, 0x52, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05]);
  panics: [number, number][] = [];
  exports!: FirmwareExports;

  private mem(): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer);
  }

  private bytes(ptr: number, len: number): Uint8Array {
    return this.mem().slice(ptr, ptr + len);
  }

  private record(name: keyof HalImports, args: number[], data?: Uint8Array): void {
    this.calls.push(data ? { name, args, data } : { name, args });
  }

  imports(): HalImports {
    const text = (ptr: number, len: number) => new TextDecoder().decode(this.bytes(ptr, len));
    return {
      card_power: (slot, voltage) => this.record('card_power', [slot, voltage]),
      card_clock: (slot, khz) => this.record('card_clock', [slot, khz]),
      card_reset: (slot, high) => this.record('card_reset', [slot, high]),
      card_uart: (slot, f, d, n, flags) => this.record('card_uart', [slot, f, d, n, flags]),
      card_send: (slot, ptr, len) => {
        const data = this.bytes(ptr, len);
        this.cardOut[slot].push(...data);
        this.record('card_send', [slot, ptr, len], data);
      },
      card_wait: (slot, etu) => {
        if (etu === 0) this.cardWait.delete(slot);
        else this.cardWait.set(slot, etu);
        this.record('card_wait', [slot, etu]);
      },
      card_present: (slot) => this.present[slot] ?? 0,
      host_send: (ptr, len) => {
        const data = this.bytes(ptr, len);
        this.hostOut.push(...data);
        this.record('host_send', [ptr, len], data);
      },
      timer_set: (id, ms) => {
        this.timers.set(id, this.nowMs + ms);
        this.record('timer_set', [id, ms]);
      },
      timer_cancel: (id) => {
        this.timers.delete(id);
        this.record('timer_cancel', [id]);
      },
      now_ms: () => this.nowMs | 0,
      display_clear: () => {
        this.display = ['', ''];
        this.record('display_clear', []);
      },
      display_text: (row, col, ptr, len) => {
        const s = text(ptr, len);
        const line = this.display[row] ?? '';
        this.display[row] = line.padEnd(col, ' ').slice(0, col) + s;
        this.record('display_text', [row, col, ptr, len], this.bytes(ptr, len));
      },
      beep: (hz, ms) => this.record('beep', [hz, ms]),
      flash_size: () => this.flash.length,
      flash_sector_size: () => this.flashSector,
      flash_write_align: () => this.flashAlign,
      flash_read: (addr, ptr, len) => {
        if (addr < 0 || len < 0 || addr + len > this.flash.length) return 1;
        this.mem().set(this.flash.subarray(addr, addr + len), ptr);
        return 0;
      },
      flash_erase: (addr, len) => this.record('flash_erase', [addr, len]),
      flash_write: (addr, ptr, len) =>
        this.record('flash_write', [addr, ptr, len], this.bytes(ptr, len)),
      boot_confirm: () => this.record('boot_confirm', []),
      boot_request_update: (permanent) => this.record('boot_request_update', [permanent]),
      system_reset: () => this.record('system_reset', []),
      device_uid: (ptr, cap) => {
        const n = Math.min(cap, this.uid.length);
        this.mem().set(this.uid.subarray(0, n), ptr);
        return n;
      },
      log: (level, ptr, len) => {
        this.logs.push(`${level} ${text(ptr, len)}`);
      },
      panic: (line, column) => {
        this.panics.push([line, column]);
      },
    };
  }

  /** Instantiates the built firmware against this HAL and calls `init`. */
  async load(variant: Variant = 'debug'): Promise<FirmwareExports> {
    const path = firmwarePath(variant);
    let module = modules.get(path);
    if (!module) {
      module = await WebAssembly.compile(readFileSync(path));
      modules.set(path, module);
    }
    const instance = await WebAssembly.instantiate(module, {
      [HAL_MODULE]: this.imports() as unknown as WebAssembly.ModuleImports,
    });
    this.exports = instance.exports as unknown as FirmwareExports;
    this.exports.init();
    return this.exports;
  }

  /** Delivers bytes from the host in chunks of at most `chunk` (default: the firmware's capacity). */
  hostWrite(bytes: ArrayLike<number>, chunk = Infinity): void {
    const cap = this.exports.host_rx_capacity();
    const size = Math.max(1, Math.min(chunk, cap));
    const all = Uint8Array.from(bytes);
    for (let i = 0; i < all.length; i += size) this.deliver(all.subarray(i, i + size));
  }

  /** Delivers bytes from the host in chunks of the given sizes, cycling through `sizes`. */
  hostWriteChunked(bytes: ArrayLike<number>, sizes: readonly number[]): void {
    const cap = this.exports.host_rx_capacity();
    const all = Uint8Array.from(bytes);
    for (let i = 0, k = 0; i < all.length; k++) {
      const size = Math.max(1, Math.min(sizes.length ? sizes[k % sizes.length] : cap, cap));
      this.deliver(all.subarray(i, i + size));
      i += size;
    }
  }

  private deliver(part: Uint8Array): void {
    this.mem().set(part, this.exports.host_rx_buffer());
    this.exports.on_host_rx(part.length);
  }

  /** Takes (and clears) what the firmware sent to the host so far. */
  takeHostOut(): Uint8Array {
    const out = Uint8Array.from(this.hostOut);
    this.hostOut = [];
    return out;
  }

  /** Advances the fake clock and fires every timer that expires on the way, in order. */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    for (;;) {
      let next: [number, number] | undefined;
      for (const entry of this.timers) if (!next || entry[1] < next[1]) next = entry;
      if (!next || next[1] > end) break;
      this.nowMs = next[1];
      this.timers.delete(next[0]);
      this.exports.on_timer(next[0]);
    }
    this.nowMs = end;
  }
}
