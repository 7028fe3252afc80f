// The firmware the soak runs: the debug build of firmware.wasm (assertions on), with one export
// added so the harness can read the heap top of AssemblyScript's stub allocator. The firmware
// allocates nothing after `init` (ARCHITECTURE.md §4), so the heap top must never move once the
// reader has booted; the linear memory must never grow. The module is compiled once per process;
// each simulation gets its own view that remembers the instance it runs (a fresh one per boot).
import binaryen from 'binaryen';
import { readFile } from 'node:fs/promises';
import type { FirmwareExports } from '../firmware/hal.ts';
import { builtFirmwarePath, FirmwareImage } from '../simulator/reader/firmware-image.ts';

/** The stub runtime's bump pointer, as named in the debug build's name section. */
const HEAP_TOP_GLOBAL = '~lib/rt/stub/offset';
const HEAP_TOP_EXPORT = '__soak_heap_top';

export type FirmwareVariant = 'debug' | 'release';

const images = new Map<FirmwareVariant, Promise<FirmwareImage>>();

async function load(variant: FirmwareVariant): Promise<FirmwareImage> {
  const path = builtFirmwarePath(variant);
  if (variant === 'release') return FirmwareImage.load(path);
  const bytes = await readFile(path);
  const module = binaryen.readBinary(bytes);
  try {
    module.setFeatures(binaryen.Features.All);
    module.addGlobalExport(HEAP_TOP_GLOBAL, HEAP_TOP_EXPORT);
    binaryen.setDebugInfo(true); // keep the function names for trap messages
    const probed = module.emitBinary();
    return FirmwareImage.fromBytes(probed, `${path} (+ heap-top export)`);
  } finally {
    module.dispose();
  }
}

/** A firmware image for one simulation, and what it can tell about the running instance. */
export class FirmwareProbe {
  readonly image: FirmwareImage;
  #instance: FirmwareExports | undefined;

  private constructor(base: FirmwareImage) {
    // A view of the shared compiled module whose instantiate remembers the instance.
    const view = Object.create(base) as FirmwareImage;
    view.instantiate = (hal) => {
      const x = base.instantiate(hal);
      this.#instance = x;
      return x;
    };
    this.image = view;
  }

  static async create(variant: FirmwareVariant): Promise<FirmwareProbe> {
    let p = images.get(variant);
    if (!p) {
      p = load(variant);
      images.set(variant, p);
    }
    return new FirmwareProbe(await p);
  }

  /** The stub allocator's heap top of the running instance (debug build only). */
  heapTop(): number | undefined {
    const g = (this.#instance as unknown as Record<string, unknown> | undefined)?.[HEAP_TOP_EXPORT];
    return g instanceof WebAssembly.Global ? (g.value as number) : undefined;
  }

  /** Bytes of linear memory of the running instance. */
  memoryBytes(): number | undefined {
    return this.#instance?.memory.buffer.byteLength;
  }
}
