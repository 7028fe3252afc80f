// Builds a test module of the firmware with asc — firmware/src/<layer>/test-harness.ts into
// firmware/build/<layer>-harness.wasm — unless it is newer than every source it depends on. The
// options come from firmware/test/<layer>/asconfig.json (passed explicitly: asc would otherwise
// merge the firmware's ./asconfig.json entries). Written atomically, so test files that build in
// parallel never read half a module. Built at most once per test process.
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

const root = fileURLToPath(new URL('../../', import.meta.url));

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

export interface AscHarness {
  /** Where the module is written. */
  readonly wasmPath: string;
  /** The module's bytes, built first if stale. */
  build(): Promise<Uint8Array>;
}

export function ascHarness(layer: string): AscHarness {
  const entry = `firmware/src/${layer}/test-harness.ts`;
  const config = `firmware/test/${layer}/asconfig.json`;
  const outFile = `${layer}-harness.wasm`;
  const wasmPath = join(root, 'firmware/build', outFile);
  let built: Promise<Uint8Array> | undefined;

  const stale = (): boolean => {
    if (!existsSync(wasmPath)) return true;
    const sources = Math.max(
      newest(join(root, 'firmware/src')),
      newest(join(root, 'protocol')),
      newest(join(root, 'firmware/hal-constants.ts')),
      newest(join(root, config)),
      newest(fileURLToPath(import.meta.url)),
    );
    return sources > statSync(wasmPath).mtimeMs;
  };

  const compile = async (): Promise<Uint8Array> => {
    if (!stale()) return readFileSync(wasmPath);
    let binary: Uint8Array | undefined;
    let errors = '';
    const { error } = await asc.main(
      [entry, '--baseDir', root, '--config', config, '--outFile', outFile],
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
      throw new Error(`${layer} harness build failed: ${error?.message}\n${errors}`);
    mkdirSync(dirname(wasmPath), { recursive: true });
    const tmp = `${wasmPath}.${process.pid}.tmp`;
    writeFileSync(tmp, binary);
    renameSync(tmp, wasmPath);
    return binary;
  };

  return {
    wasmPath,
    build() {
      built ??= compile();
      return built;
    },
  };
}
