// Builds firmware/build/firmware.wasm (release) and firmware.debug.wasm (debug) with asc.
// `--if-stale` skips the build when both outputs are newer than every source they depend on.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const outputs = ['firmware/build/firmware.wasm', 'firmware/build/firmware.debug.wasm'].map((p) =>
  join(root, p),
);

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) t = Math.max(t, newest(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

function stale() {
  if (!outputs.every((p) => existsSync(p))) return true;
  const built = Math.min(...outputs.map((p) => statSync(p).mtimeMs));
  const sources = Math.max(
    newest(join(root, 'firmware/src')),
    newest(join(root, 'protocol')),
    statSync(join(root, 'asconfig.json')).mtimeMs,
    statSync(join(root, 'firmware/build.js')).mtimeMs,
  );
  return sources > built;
}

if (process.argv.includes('--if-stale') && !stale()) process.exit(0);

for (const target of ['debug', 'release']) {
  const { error, stderr } = await asc.main(['--config', 'asconfig.json', '--target', target], {
    stdout: process.stdout,
    stderr: process.stderr,
  });
  if (error) {
    console.error(`firmware ${target} build failed: ${error.message}`);
    process.exit(1);
  }
  void stderr;
}
console.log('firmware built: firmware/build/firmware.wasm, firmware/build/firmware.debug.wasm');
