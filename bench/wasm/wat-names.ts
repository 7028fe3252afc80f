// Names of a module's defined functions, by index among the defined functions, from the text
// file asc writes next to it (firmware/build/firmware.wat: the release binary has no name
// section, the text keeps the names, functions in index order).
import { readFile } from 'node:fs/promises';

export async function definedFunctionNames(watPath: string): Promise<string[] | undefined> {
  let text: string;
  try {
    text = await readFile(watPath, 'utf8');
  } catch {
    return undefined;
  }
  return [...text.matchAll(/^ \(func \$(\S+)/gm)].map((m) => m[1]);
}
