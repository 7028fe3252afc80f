// `npm run bench`: every benchmark section in turn, a table on stdout, bench/results.json.
// Virtual-time figures are deterministic; wall-clock figures are ratios taken side by side in
// this one run. A section whose prerequisites have not landed says so in one line and is
// skipped; a section that fails is reported as failed and the others still run.
//
//   npm run bench                 all sections
//   npm run bench -- firmware     only the named sections (ids: see SECTIONS)
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { SectionResult } from './report/figure.ts';
import { gitState, machine, writeResults } from './report/results.ts';
import { markdownTable, textTable } from './report/table.ts';
import { firmwareSection } from './firmware/firmware-section.ts';
import { transactionSection } from './transaction/transaction-section.ts';
import { hostSection } from './host/host-section.ts';
import { serviceSection } from './service/service-section.ts';
import { flashingSection } from './flashing/flashing-section.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Section {
  id: string;
  title: string;
  run(): Promise<SectionResult>;
}

const SECTIONS: Section[] = [
  { id: 'firmware', title: '1. Firmware', run: firmwareSection },
  { id: 'transaction', title: '2. Kiosk transaction against the floor', run: transactionSection },
  { id: 'host', title: '3. Host stack', run: hostSection },
  { id: 'service', title: '4. Service', run: serviceSection },
  { id: 'flashing', title: '5. Flashing', run: flashingSection },
];

async function main(): Promise<void> {
  const started = performance.now();
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = only.filter((id) => !SECTIONS.some((s) => s.id === id));
  if (unknown.length) {
    console.error(
      `unknown section ${unknown.join(', ')}; known: ${SECTIONS.map((s) => s.id).join(', ')}`,
    );
    process.exit(2);
  }
  // A fresh clone has no firmware/build yet; a stale build would measure old code.
  execFileSync(process.execPath, [join(root, 'firmware/build.js'), '--if-stale'], {
    stdio: 'inherit',
  });
  const results: SectionResult[] = [];
  for (const s of SECTIONS) {
    if (only.length && !only.includes(s.id)) continue;
    process.stderr.write(`bench: ${s.title} …\n`);
    const t = performance.now();
    try {
      results.push(await s.run());
    } catch (e) {
      const why = e instanceof Error ? (e.stack ?? e.message) : String(e);
      results.push({
        id: s.id,
        title: s.title,
        skipped: `FAILED: ${why.split('\n')[0]}`,
        figures: [],
        notes: [],
      });
      console.error(why);
    }
    process.stderr.write(
      `bench: ${s.title} done in ${((performance.now() - t) / 1000).toFixed(1)} s\n`,
    );
  }
  const out = {
    date: new Date().toISOString(),
    git: gitState(root),
    machine: machine(),
    durationS: Math.round((performance.now() - started) / 100) / 10,
    sections: results,
  };
  // A partial run would leave results.json without the other sections: only full runs write it.
  if (only.length === 0) writeResults(join(root, 'bench/results.json'), out);
  console.log(textTable(results));
  console.log(
    `\n${out.machine.cpu}, ${out.machine.cores} cores, Node ${out.machine.node}; ` +
      `commit ${out.git.commit.slice(0, 12)}${out.git.dirty ? ' (working tree has changes)' : ''}; ` +
      `${out.durationS} s. ${only.length ? 'Partial run: bench/results.json not written.' : 'Written: bench/results.json'}`,
  );
  if (process.argv.includes('--markdown')) console.log(`\n${markdownTable(results)}`);
}

await main();
