// Loads firmware.wasm once (compiled module) and makes fresh instances of it: one per boot, so a
// watchdog restart or a power cut starts from clean memory, as on the MCU.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  FIRMWARE_EXPORT_NAMES,
  HAL_IMPORT_NAMES,
  HAL_MODULE,
  type FirmwareExports,
  type HalImports,
} from '../../firmware/hal.ts';
import { FirmwareLoadError } from '../errors.ts';

/** firmware/build/firmware.wasm (release) or firmware.debug.wasm. */
export function builtFirmwarePath(variant: 'release' | 'debug' = 'release'): string {
  const file = variant === 'debug' ? 'firmware.debug.wasm' : 'firmware.wasm';
  return fileURLToPath(new URL(`../../firmware/build/${file}`, import.meta.url));
}

export class FirmwareImage {
  private constructor(
    readonly module: WebAssembly.Module,
    readonly source: string,
  ) {}

  static async load(path = builtFirmwarePath()): Promise<FirmwareImage> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw new FirmwareLoadError(`cannot read ${path}: ${(e as Error).message} (npm run build?)`);
    }
    return FirmwareImage.fromBytes(bytes, path);
  }

  static async fromBytes(bytes: Uint8Array, source = 'bytes'): Promise<FirmwareImage> {
    let module: WebAssembly.Module;
    try {
      module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    } catch (e) {
      throw new FirmwareLoadError(
        `${source} is not a valid WebAssembly module: ${(e as Error).message}`,
      );
    }
    return FirmwareImage.fromModule(module, source);
  }

  /** Synchronous form, for images the boot stage hands over in the middle of a run. */
  static fromBytesSync(bytes: Uint8Array, source = 'bytes'): FirmwareImage {
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    } catch (e) {
      throw new FirmwareLoadError(
        `${source} is not a valid WebAssembly module: ${(e as Error).message}`,
      );
    }
    return FirmwareImage.fromModule(module, source);
  }

  private static fromModule(module: WebAssembly.Module, source: string): FirmwareImage {
    const known = new Set<string>(HAL_IMPORT_NAMES);
    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.module !== HAL_MODULE || !known.has(imp.name) || imp.kind !== 'function')
        throw new FirmwareLoadError(
          `${source} imports ${imp.module}.${imp.name} (${imp.kind}); only the HAL functions are allowed`,
        );
    }
    const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
    const missing = FIRMWARE_EXPORT_NAMES.filter((n) => !exported.has(n));
    if (missing.length)
      throw new FirmwareLoadError(`${source} lacks exports: ${missing.join(', ')}`);
    return new FirmwareImage(module, source);
  }

  /** A fresh instance (new memory) wired to `hal`. */
  instantiate(hal: HalImports): FirmwareExports {
    const instance = new WebAssembly.Instance(this.module, {
      [HAL_MODULE]: hal as unknown as WebAssembly.ModuleImports,
    });
    return instance.exports as unknown as FirmwareExports;
  }
}
