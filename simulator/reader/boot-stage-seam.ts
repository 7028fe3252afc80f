// The seam between the reader and a native boot stage (simulator/boot's BootStage has this
// shape; firmware/FLASH.md, IMAGE.md). With one, the reader does what a real one does at every
// power-on and reset: it lets the boot stage run (swaps, checks) and starts the image it hands
// over; the firmware's flash imports go through the boot stage's window of the flash, and
// boot_confirm / boot_request_update reach the boot stage. Without one, the reader starts the
// image it was given and only records the boot calls.
import type { FlashStatus } from '../../firmware/hal.ts';
import type { Flash } from './flash.ts';

/** The flash as the firmware sees it. */
export interface FirmwareFlashDevice {
  readonly geometry: { size: number; sectorSize: number; writeAlign: number };
  readonly busy: boolean;
  read(addr: number, len: number): Uint8Array | FlashStatus;
  erase(addr: number, len: number, done: (status: FlashStatus) => void): void;
  write(
    addr: number,
    len: number,
    source: () => Uint8Array,
    done: (status: FlashStatus) => void,
  ): void;
}

export interface NativeBootStage {
  readonly firmwareFlash: FirmwareFlashDevice;
  /** Runs the boot sequence; `done` gets the image's WebAssembly bytes, or why none can start. */
  boot(done: (result: { readonly wasm: Uint8Array } | Error) => void): void;
  /** After the flash's own powerCut(). */
  powerCut(): void;
  /** Before a watchdog restart or system_reset. */
  firmwareReset(): void;
  confirm(): void;
  requestUpdate(permanent: boolean): void;
}

/** What the reader gives the boot stage it creates. */
export interface BootStageEnv {
  flash: Flash;
  /** Runs `fn` soon on the virtual clock (never inside a HAL call). */
  later: (fn: () => void) => void;
  note: (text: string) => void;
}

export type BootStageFactory = (env: BootStageEnv) => NativeBootStage;
