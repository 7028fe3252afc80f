// The reader's flash map (firmware/FLASH.md) and the boot record that the boot stage leaves for
// the firmware. Shared by the boot stage (simulator/boot), the update agent and the configuration
// area (firmware/src/update, firmware/src/config). Portable subset.

/** The flash part: 512 KiB of 4 KiB sectors, programmed in 8-byte double words. */
export const FLASH_SIZE = 0x80000;
export const FLASH_SECTOR_SIZE = 0x1000;
export const FLASH_WRITE_ALIGN = 8;

// ---- physical addresses (the boot stage's view) ----

/** Boot journal, two sectors used in turn: swap progress, requests, confirmations, counter. */
export const BOOT_JOURNAL_A_ADDR = 0x00000;
export const BOOT_JOURNAL_B_ADDR = 0x01000;
/** One sector the swap copies through. */
export const BOOT_SCRATCH_ADDR = 0x02000;
/** Primary slot: the image that runs. Never visible to the firmware. */
export const PRIMARY_SLOT_ADDR = 0x04000;
/** Both slots: 60 sectors = 240 KiB, the largest image. */
export const SLOT_SIZE = 0x3c000;
export const SLOT_SECTORS = 60;
/** Secondary slot: where the update agent writes a new image. */
export const SECONDARY_SLOT_ADDR = 0x40000;

/** The firmware's window: flash_* addresses are offsets from here; flash_size() is its size. */
export const FIRMWARE_WINDOW_ADDR = 0x40000;
export const FIRMWARE_WINDOW_SIZE = 0x40000;

// ---- offsets inside the firmware's window ----

/** The secondary slot, at the start of the window. */
export const WINDOW_SECONDARY_SLOT = 0x00000;
/** The update agent's journal: the transfer in progress (size, SHA-256, committed sectors). */
export const WINDOW_UPDATE_JOURNAL = 0x3c000;
/** The configuration area: two sectors written in turn, the newest valid record wins. */
export const WINDOW_CONFIG_A = 0x3d000;
export const WINDOW_CONFIG_B = 0x3e000;
/** The boot record: written by the boot stage, read by the firmware. */
export const WINDOW_BOOT_RECORD = 0x3f000;

// ---- the boot record (one per boot that changed it; the firmware reads it at init) ----

/** Bytes 4B 52 42 52 ("KRBR") as a little-endian u32. */
export const BOOT_RECORD_MAGIC = 0x5242524b;
export const BOOT_RECORD_LAYOUT = 1;
export const BOOT_RECORD_SIZE = 72;
/** Field offsets. Versions as in the image header; the CRC-32 (zlib's) covers bytes 0..67. */
export const BR_MAGIC = 0;
export const BR_LAYOUT = 4;
export const BR_OUTCOME = 5;
export const BR_REASON = 6;
export const BR_VERSION_MAJOR = 8;
export const BR_VERSION_MINOR = 9;
export const BR_VERSION_REVISION = 10;
export const BR_VERSION_BUILD = 12;
export const BR_IMAGE_FLAGS = 16;
export const BR_IMAGE_SECURITY_COUNTER = 20;
export const BR_STORED_SECURITY_COUNTER = 24;
export const BR_BOOT_STAGE_MAJOR = 28;
export const BR_BOOT_STAGE_MINOR = 29;
export const BR_BOOT_STAGE_REVISION = 30;
export const BR_IMAGE_HASH = 32;
export const BR_CRC = 68;

/** What became of the last update request, as the boot stage saw it. */
export enum BootOutcome {
  /** No update since the image was programmed. */
  None = 0,
  /** The running image was swapped in for a test boot and is not confirmed yet. */
  Trial = 1,
  /** The last update took: confirmed after its test boot, or swapped permanently. */
  Updated = 2,
  /** The last test image was not confirmed; the previous image was swapped back. */
  Reverted = 3,
  /** The requested image failed the checks (BR_REASON holds the ImageCheck); nothing swapped. */
  Rejected = 4,
}
