// The results as a table: plain text for the terminal, Markdown for the README.
import type { Figure, SectionResult } from './figure.ts';

export function formatValue(f: Pick<Figure, 'value' | 'digits'>): string {
  if (!Number.isFinite(f.value)) return String(f.value);
  return f.value.toLocaleString('en-US', {
    minimumFractionDigits: f.digits,
    maximumFractionDigits: f.digits,
  });
}

function targetText(f: Figure): string {
  if (!f.target) return '';
  const value = f.target.value.toLocaleString('en-US', { maximumFractionDigits: 3 });
  return `${f.target.op === '<=' ? '≤' : '≥'} ${value}${f.unit ? ` ${f.unit}` : ''}`;
}

function verdictText(f: Figure): string {
  return f.verdict === 'info' ? '' : f.verdict === 'met' ? 'met' : 'MISSED';
}

interface Row {
  cells: [string, string, string, string];
}

function rows(sections: readonly SectionResult[]): (Row | { heading: string })[] {
  const out: (Row | { heading: string })[] = [];
  for (const s of sections) {
    out.push({ heading: s.skipped ? `${s.title} — skipped: ${s.skipped}` : s.title });
    for (const f of s.figures) {
      out.push({
        cells: [
          f.label,
          `${formatValue(f)}${f.unit ? ` ${f.unit}` : ''}`,
          targetText(f),
          verdictText(f),
        ],
      });
    }
  }
  return out;
}

/** Terminal table: fixed-width columns, one heading line per section, notes underneath. */
export function textTable(sections: readonly SectionResult[]): string {
  const all = rows(sections);
  const width = [0, 0, 0, 0];
  for (const r of all) {
    if ('cells' in r) r.cells.forEach((c, i) => (width[i] = Math.max(width[i], [...c].length)));
  }
  const pad = (s: string, n: number, right = false) => {
    const fill = ' '.repeat(Math.max(0, n - [...s].length));
    return right ? fill + s : s + fill;
  };
  const lines: string[] = [];
  for (const r of all) {
    if ('heading' in r) {
      lines.push('', r.heading);
      continue;
    }
    const [label, value, target, verdict] = r.cells;
    lines.push(
      `  ${pad(label, width[0])}  ${pad(value, width[1], true)}  ${pad(target, width[2])}  ${verdict}`.trimEnd(),
    );
  }
  for (const s of sections) {
    if (s.notes.length === 0) continue;
    lines.push('', `${s.title}:`);
    for (const n of s.notes) lines.push(`  ${n}`);
  }
  return lines.join('\n').replace(/^\n/, '');
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** Markdown table for the README: one table, a row per figure, skipped sections as one row. */
export function markdownTable(sections: readonly SectionResult[]): string {
  const lines = ['| figure | value | target | verdict |', '| --- | ---: | --- | --- |'];
  for (const s of sections) {
    if (s.skipped) {
      lines.push(`| **${cell(s.title)}** — skipped: ${cell(s.skipped)} | | | |`);
      continue;
    }
    lines.push(`| **${cell(s.title)}** | | | |`);
    for (const f of s.figures) {
      const value = `${formatValue(f)}${f.unit ? ` ${f.unit}` : ''}`;
      lines.push(
        `| ${cell(f.label)} | ${cell(value)} | ${cell(targetText(f))} | ${verdictText(f)} |`,
      );
    }
  }
  return lines.join('\n');
}
