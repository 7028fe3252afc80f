// The update agent's test module (firmware/src/update/test-harness.ts →
// firmware/build/update-harness.wasm).
import { ascHarness } from '../asc-harness.ts';

const harness = ascHarness('update');
export const UPDATE_HARNESS_WASM = harness.wasmPath;
export const buildUpdateHarness = (): Promise<Uint8Array> => harness.build();
