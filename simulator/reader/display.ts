// The reader's character display: DISPLAY_ROWS × DISPLAY_COLUMNS cells, a CJK (wide) character
// takes two cells, text past the end of a row is cut (firmware/HAL.md). Every change is kept in
// `history` with its virtual time.
//
// Secure entry: the firmware shows SECURE_ENTRY_INDICATOR (🔒, U+1F512) somewhere on the display
// while secure PIN entry is active, the way PCI PIN pads show their secure-mode indicator. The
// simulator starts key scripts on it (keypad.ts).
import { DISPLAY_COLUMNS, DISPLAY_ROWS, SECURE_ENTRY_CODEPOINT } from '../../firmware/hal.ts';
import { pushBounded } from '../engine/bounded.ts';

export const SECURE_ENTRY_INDICATOR = String.fromCodePoint(SECURE_ENTRY_CODEPOINT);

/** East Asian wide and fullwidth characters, and emoji, take two cells. */
export function cellWidth(ch: string): 1 | 2 {
  const c = ch.codePointAt(0) ?? 0;
  const wide =
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1f64f) ||
    (c >= 0x1f900 && c <= 0x1f9ff) ||
    (c >= 0x20000 && c <= 0x3fffd);
  return wide ? 2 : 1;
}

export interface DisplaySnapshot {
  timeNs: number;
  rows: string[];
}

/** A cell holds a character, or '' when it is the right half of a wide character. */
type Cell = string;

export class Display {
  private cells: Cell[][] = blank();
  readonly history: DisplaySnapshot[] = [];

  constructor(
    private readonly now: () => number,
    private readonly changed: (rows: string[]) => void = () => {},
  ) {}

  clear(): void {
    this.cells = blank();
    this.commit();
  }

  /** Writes text at (row, col); the caller has checked row and col. */
  text(row: number, col: number, text: string): void {
    const line = this.cells[row];
    let c = col;
    for (const ch of text) {
      const w = cellWidth(ch);
      if (c + w > DISPLAY_COLUMNS) break;
      this.clearCell(line, c);
      if (w === 2) this.clearCell(line, c + 1);
      line[c] = ch;
      if (w === 2) line[c + 1] = '';
      c += w;
    }
    this.commit();
  }

  /** The rows as text (a wide character once, trailing blanks kept out). */
  rows(): string[] {
    return this.cells.map((line) => line.join('').replace(/ +$/, ''));
  }

  /** Whether the secure-entry indicator is showing. */
  secureEntry(): boolean {
    return this.rows().some((r) => r.includes(SECURE_ENTRY_INDICATOR));
  }

  private clearCell(line: Cell[], c: number): void {
    // Overwriting half of a wide character blanks its other half.
    if (line[c] === '' && c > 0) line[c - 1] = ' ';
    if (line[c] !== '' && cellWidth(line[c]) === 2 && c + 1 < line.length) line[c + 1] = ' ';
    line[c] = ' ';
  }

  private commit(): void {
    const rows = this.rows();
    pushBounded(this.history, { timeNs: this.now(), rows });
    this.changed(rows);
  }
}

function blank(): Cell[][] {
  return Array.from({ length: DISPLAY_ROWS }, () => new Array<Cell>(DISPLAY_COLUMNS).fill(' '));
}
