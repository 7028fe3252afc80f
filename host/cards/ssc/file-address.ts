// pFileAddr of iReadCard / iWriteCard (kiosk-cards.md §2.5, S7): files ended by `$`, each the
// ADF id and EF id followed by its items (record identifiers, `:n` for the n-th occurrence):
//   SSSEEF05|06|07|$DF01EF15|40:2|$      transparent files: the file name only
// SSSE may be written 3F00 where SSSE is mapped onto the MF (§6 item 1); both are accepted.
import { CardError } from '../card-error.ts';
import { NationalCode } from '../national-codes.ts';

export interface ItemRequest {
  /** Record identifier (= SIMPLE-TLV tag). */
  tag: number;
  /** 1-based occurrence (`:n`), 1 by default. */
  occurrence: number;
  /** As written, for the output. */
  text: string;
}

export interface FileRequest {
  /** As written, e.g. 'SSSEEF05' or '3F00EF05'. */
  name: string;
  /** 'SSSE' (also for '3F00') or 'DF01' … */
  df: string;
  /** EF id, e.g. 0xEF05. */
  ef: number;
  items: ItemRequest[];
}

const MAX_FILES = 32;
const MAX_ITEMS = 64;

export function parseFileAddress(text: string): FileRequest[] {
  if (typeof text !== 'string' || text.length === 0 || text.length > 4096)
    throw bad('pFileAddr must be a non-empty string');
  const chunks = text.split('$');
  if (chunks[chunks.length - 1] !== '') throw bad('every file must end with $');
  chunks.pop();
  if (chunks.length > MAX_FILES) throw bad(`more than ${MAX_FILES} files`);
  return chunks.map(parseFile);
}

function parseFile(chunk: string): FileRequest {
  const fields = chunk.split('|');
  if (fields.length > 1 && fields[fields.length - 1] === '') fields.pop();
  const name = fields.shift()!.toUpperCase();
  const m = /^(SSSE|3F00|DF[0-9A-F]{2})(EF[0-9A-F]{2})$/.exec(name);
  if (!m) throw bad(`file ${JSON.stringify(name)} is not ADF + EF (e.g. SSSEEF05, DF01EF06)`);
  if (fields.length > MAX_ITEMS) throw bad(`more than ${MAX_ITEMS} items in ${name}`);
  const items = fields.map((f) => {
    const im = /^([0-9A-Fa-f]{2})(?::([1-9][0-9]{0,2}))?$/.exec(f);
    if (!im)
      throw bad(`item ${JSON.stringify(f)} in ${name} is not a record identifier (e.g. 08, 40:2)`);
    return {
      tag: parseInt(im[1], 16),
      occurrence: im[2] ? parseInt(im[2], 10) : 1,
      text: f.toUpperCase(),
    };
  });
  return {
    name,
    df: m[1] === '3F00' ? 'SSSE' : m[1],
    ef: parseInt(m[2].slice(2), 16) | 0xef00,
    items,
  };
}

/** The output mirrors the input: `<file>|<value>|…|$` per file (§2.5: `DF01EF0A|CHN|$`). */
export function formatFileResults(
  files: readonly { name: string; fields: readonly string[] }[],
): string {
  return files.map((f) => [f.name, ...f.fields].map((x) => x + '|').join('') + '$').join('');
}

/** pCardInfo = `卡识别码|卡号|` (§2.5). */
export function parseCardInfo(text: string): { cardId: string; cardNumber: string } {
  if (typeof text !== 'string') throw bad('pCardInfo must be a string');
  const f = text.split('|');
  if (f.length < 2 || (f.length === 3 && f[2] !== '') || f.length > 3)
    throw bad('pCardInfo must be 卡识别码|卡号|');
  if (!/^[0-9A-Fa-f]{32}$/.test(f[0])) throw bad('卡识别码 in pCardInfo must be 32 hex characters');
  return { cardId: f[0].toUpperCase(), cardNumber: f[1] };
}

function bad(message: string): CardError {
  return new CardError(NationalCode.BAD_PARAMETERS, message, { role: 'caller' });
}
