// Builds firmware/build/firmware.wasm (release) and firmware.debug.wasm (debug) with asc, and
// the CCID test harness firmware/build/ccid-harness.wasm (firmware/src/harness: the CCID device
// against a scripted slot layer; tests only, never shipped).
// `--if-stale` skips the build when every output is newer than every source it depends on.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const outputs = [
  'firmware/build/firmware.wasm',
  'firmware/build/firmware.debug.wasm',
  'firmware/build/ccid-harness.wasm',
].map((p) => join(root, p));

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
    statSync(join(root, 'firmware/src/harness/asconfig.json')).mtimeMs,
    statSync(join(root, 'firmware/build.js')).mtimeMs,
  );
  return sources > built;
}

if (process.argv.includes('--if-stale') && !stale()) process.exit(0);

const builds = [
  ['debug', ['--config', 'asconfig.json', '--target', 'debug']],
  ['release', ['--config', 'asconfig.json', '--target', 'release']],
  // Its own config, so asconfig.json's entries are not merged in (iso7816-and-ccid.md §D2).
  ['ccid harness', ['--config', 'firmware/src/harness/asconfig.json']],
];
// Every build runs even when one fails, so that each reports its own errors.
let failed = false;
for (const [name, args] of builds) {
  const { error } = await asc.main(args, { stdout: process.stdout, stderr: process.stderr });
  if (error) {
    console.error(`firmware ${name} build failed: ${error.message}`);
    failed = true;
  }
}
if (failed) process.exit(1);
console.log('firmware built: firmware/build/firmware.wasm, firmware.debug.wasm, ccid-harness.wasm');
