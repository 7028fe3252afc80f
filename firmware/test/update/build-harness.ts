// Builds the update agent's test module (firmware/src/update/test-harness.ts) with asc into
// firmware/build/update-harness.wasm unless it is newer than every source it depends on; the
// options come from firmware/test/update/asconfig.json (passed explicitly, so that asc does not
// merge the firmware's ./asconfig.json entries). Written atomically: test files that build in
// parallel never read half a module.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY = 'firmware/src/update/test-harness.ts';
const CONFIG = 'firmware/test/update/asconfig.json';
export const UPDATE_HARNESS_WASM = join(root, 'firmware/build/update-harness.wasm');

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return path.endsWith('.ts') || path.endsWith('.json') ? st.mtimeMs : 0;
  let t = 0;
  for (const entry of readdirSync(path)) {
    if (entry.endsWith('.test.ts')) continue;
    t = Math.max(t, newest(join(path, entry)));
  }
  return t;
}

function stale(): boolean {
  if (!existsSync(UPDATE_HARNESS_WASM)) return true;
  const sources = Math.max(
    newest(join(root, 'firmware/src')),
    newest(join(root, 'protocol')),
    newest(join(root, 'firmware/hal-constants.ts')),
    newest(join(root, CONFIG)),
    newest(fileURLToPath(import.meta.url)),
  );
  return sources > statSync(UPDATE_HARNESS_WASM).mtimeMs;
}

export async function buildUpdateHarness(): Promise<Uint8Array> {
  if (!stale()) return readFileSync(UPDATE_HARNESS_WASM);
  let binary: Uint8Array | undefined;
  let errors = '';
  const { error } = await asc.main(
    [ENTRY, '--baseDir', root, '--config', CONFIG, '--outFile', 'update-harness.wasm'],
    {
      writeFile(name: string, contents: Uint8Array | string) {
        if (name.endsWith('.wasm') && typeof contents !== 'string') binary = contents;
      },
      stdout: { write: () => true } as unknown as asc.OutputStream,
      stderr: {
        write: (chunk: string | Uint8Array) => {
          errors += chunk.toString();
          return true;
        },
      } as unknown as asc.OutputStream,
    },
  );
  if (error || !binary)
    throw new Error(`update harness build failed: ${error?.message}\n${errors}`);
  mkdirSync(dirname(UPDATE_HARNESS_WASM), { recursive: true });
  const tmp = `${UPDATE_HARNESS_WASM}.${process.pid}.tmp`;
  writeFileSync(tmp, binary);
  renameSync(tmp, UPDATE_HARNESS_WASM);
  return binary;
}
