// Builds the ISO layer's test module (firmware/src/iso/test-harness.ts) with asc into
// firmware/build/iso-harness.wasm, unless it is newer than every source it depends on. The
// options come from firmware/test/iso/asconfig.json (passed explicitly: asc would otherwise
// merge the firmware's ./asconfig.json entries). Written atomically, so test files that build
// in parallel never read half a module.
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
const ENTRY = 'firmware/src/iso/test-harness.ts';
const CONFIG = 'firmware/test/iso/asconfig.json';
export const HARNESS_WASM = join(root, 'firmware/build/iso-harness.wasm');

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
  if (!existsSync(HARNESS_WASM)) return true;
  const sources = Math.max(
    newest(join(root, 'firmware/src')),
    newest(join(root, 'protocol')),
    newest(join(root, 'firmware/hal-constants.ts')),
    newest(join(root, CONFIG)),
    newest(fileURLToPath(import.meta.url)),
  );
  return sources > statSync(HARNESS_WASM).mtimeMs;
}

let built: Promise<Uint8Array> | undefined;

/** The harness binary, built at most once per test process. */
export function buildHarness(): Promise<Uint8Array> {
  built ??= build();
  return built;
}

async function build(): Promise<Uint8Array> {
  if (!stale()) return readFileSync(HARNESS_WASM);
  let binary: Uint8Array | undefined;
  let errors = '';
  const { error } = await asc.main(
    [ENTRY, '--baseDir', root, '--config', CONFIG, '--outFile', 'iso-harness.wasm'],
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
  if (error || !binary) throw new Error(`iso harness build failed: ${error?.message}\n${errors}`);
  mkdirSync(dirname(HARNESS_WASM), { recursive: true });
  const tmp = `${HARNESS_WASM}.${process.pid}.tmp`;
  writeFileSync(tmp, binary);
  renameSync(tmp, HARNESS_WASM);
  return binary;
}
