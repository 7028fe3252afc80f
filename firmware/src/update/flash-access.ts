// The firmware's side of the flash (firmware/FLASH.md): one operation at a time for the whole
// firmware (HAL.md), so the update agent and the configuration area take turns; whoever started
// the pending operation gets its on_flash_done. And the geometry check both rely on.
import { flash_sector_size, flash_size, flash_write_align } from '../hal';
import {
  FIRMWARE_WINDOW_SIZE,
  FLASH_SECTOR_SIZE,
  FLASH_WRITE_ALIGN,
} from '../../../protocol/image/flash-map';

export const FLASH_USER_NONE: i32 = 0;
export const FLASH_USER_UPDATE: i32 = 1;
export const FLASH_USER_CONFIG: i32 = 2;

let user: i32 = FLASH_USER_NONE;

export function flashIdle(): bool {
  return user == FLASH_USER_NONE;
}

/** Call right before flash_erase / flash_write. */
export function flashClaim(who: i32): void {
  user = who;
}

/** Who started the operation that just finished; the part is free again. */
export function flashRelease(): i32 {
  const who = user;
  user = FLASH_USER_NONE;
  return who;
}

/** After a restart nothing is pending (the runtime abandoned any operation). */
export function flashAccessReset(): void {
  user = FLASH_USER_NONE;
}

/** The window the boot stage lends us has the map's shape (FLASH.md "The firmware's window"). */
export function flashGeometryOk(): bool {
  const align = flash_write_align();
  return (
    flash_size() == FIRMWARE_WINDOW_SIZE &&
    flash_sector_size() == FLASH_SECTOR_SIZE &&
    align > 0 &&
    align <= FLASH_WRITE_ALIGN &&
    FLASH_WRITE_ALIGN % align == 0
  );
}

/** `n` rounded up to the programming unit (the map's, which every allowed align divides). */
export function alignUp(n: i32): i32 {
  return (n + FLASH_WRITE_ALIGN - 1) & ~(FLASH_WRITE_ALIGN - 1);
}
