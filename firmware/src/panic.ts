// The abort handler (asconfig.json: --use abort=firmware/src/panic/onAbort). It replaces
// AssemblyScript's `env.abort` import, so the module imports only from `hal`.
import { panic } from './hal';

export function onAbort(
  message: string | null,
  fileName: string | null,
  lineNumber: u32,
  columnNumber: u32,
): void {
  panic(<i32>lineNumber, <i32>columnNumber);
  unreachable();
}
