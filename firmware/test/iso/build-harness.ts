// The ISO layer's test module (firmware/src/iso/test-harness.ts → firmware/build/iso-harness.wasm).
import { ascHarness } from '../asc-harness.ts';

const harness = ascHarness('iso');
export const HARNESS_WASM = harness.wasmPath;
export const buildHarness = (): Promise<Uint8Array> => harness.build();
