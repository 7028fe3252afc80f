// The boot stage as the simulator's Reader takes it (simulator/reader/boot-stage-seam.ts):
//   new Reader({ ..., bootStage: simulatedBootStage({ publicKey, factoryImage }) })
// or Simulation.create({ bootStage: … }). The reader then starts whatever image the boot stage
// hands over at every power-on and reset, its flash imports go through the boot stage's window,
// and boot_confirm / boot_request_update reach it (firmware/FLASH.md).
import type { KeyObject } from 'node:crypto';
import { readU32LE } from '../../protocol/bytes.ts';
import { PRIMARY_SLOT_ADDR } from '../../protocol/image/flash-map.ts';
import { IMAGE_MAGIC } from '../../protocol/image/image-constants.ts';
import type { BootStageFactory } from '../reader/boot-stage-seam.ts';
import { BootStage } from './boot-stage.ts';
import { factoryProgram } from './factory.ts';

export interface SimulatedBootOptions {
  /** The public key built into the boot stage (PEM, raw 32 bytes or KeyObject). */
  publicKey: KeyObject | Uint8Array | string;
  /**
   * A signed image the production line programs into a part whose primary slot holds no image
   * (a flash kept in a state folder keeps what it has).
   */
  factoryImage?: Uint8Array;
  /** Receives the boot stage once the reader made it (tests, diagnostics). */
  created?: (stage: BootStage) => void;
}

export function simulatedBootStage(options: SimulatedBootOptions): BootStageFactory {
  return (env) => {
    if (options.factoryImage && readU32LE(env.flash.data, PRIMARY_SLOT_ADDR) !== IMAGE_MAGIC)
      factoryProgram(env.flash.data, options.factoryImage);
    const stage = new BootStage({
      flash: env.flash,
      publicKey: options.publicKey,
      later: env.later,
      note: env.note,
    });
    options.created?.(stage);
    return stage;
  };
}

export { BootStage, BOOT_STAGE_VERSION, type BootResult } from './boot-stage.ts';
export { BootError, type BootErrorCode } from './boot-error.ts';
export type { BootImage } from './boot-sequence.ts';
export { decodeBootRecord, type BootRecord } from './boot-record.ts';
export { factoryProgram } from './factory.ts';
