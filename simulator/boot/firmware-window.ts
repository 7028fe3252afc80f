// The flash as the firmware sees it (firmware/FLASH.md "The firmware's window"): offsets from
// FIRMWARE_WINDOW_ADDR, flash_size() = FIRMWARE_WINDOW_SIZE. The primary slot and the boot
// stage's sectors lie below the window and cannot be named from it. Operations outside the
// window answer BadRange, like any other bad range.
import { FlashStatus } from '../../firmware/hal-constants.ts';
import { FIRMWARE_WINDOW_ADDR, FIRMWARE_WINDOW_SIZE } from '../../protocol/image/flash-map.ts';
import type { FlashArbiter } from './flash-arbiter.ts';

export class FirmwareFlashWindow {
  constructor(
    private readonly arbiter: FlashArbiter,
    /** Delivers a result later, never inside the HAL call (HAL.md rule 2). */
    private readonly later: (fn: () => void) => void,
  ) {}

  get geometry(): { size: number; sectorSize: number; writeAlign: number } {
    const g = this.arbiter.flash.geometry;
    return { size: FIRMWARE_WINDOW_SIZE, sectorSize: g.sectorSize, writeAlign: g.writeAlign };
  }

  /** The firmware's own operation is queued or running. */
  get busy(): boolean {
    return this.arbiter.pending('firmware');
  }

  read(addr: number, len: number): Uint8Array | FlashStatus {
    if (!inWindow(addr, len)) return FlashStatus.BadRange;
    return this.arbiter.flash.read(FIRMWARE_WINDOW_ADDR + addr, len);
  }

  erase(addr: number, len: number, done: (status: FlashStatus) => void): void {
    if (!inWindow(addr, len)) return this.later(() => done(FlashStatus.BadRange));
    this.arbiter.submit({
      user: 'firmware',
      kind: 'erase',
      addr: FIRMWARE_WINDOW_ADDR + addr,
      len,
      done,
    });
  }

  write(
    addr: number,
    len: number,
    source: () => Uint8Array,
    done: (status: FlashStatus) => void,
  ): void {
    if (!inWindow(addr, len)) return this.later(() => done(FlashStatus.BadRange));
    this.arbiter.submit({
      user: 'firmware',
      kind: 'write',
      addr: FIRMWARE_WINDOW_ADDR + addr,
      len,
      source,
      done,
    });
  }
}

function inWindow(addr: number, len: number): boolean {
  return (
    Number.isInteger(addr) &&
    Number.isInteger(len) &&
    addr >= 0 &&
    len >= 0 &&
    addr + len <= FIRMWARE_WINDOW_SIZE
  );
}
