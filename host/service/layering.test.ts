// ARCHITECTURE §2: only the composition roots wire the simulator into the host. In the service
// that is service.ts with embedded-sim.ts; every other module (routes included) works on
// interfaces they are handed. Checked on the import statements of the service's own modules.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const DIR = new URL('./', import.meta.url);
const ROOTS = ['service.ts', 'embedded-sim.ts', 'main.ts'];

const modules = readdirSync(DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

/** The specifiers a module imports at run time (type-only imports leave no trace in the code). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(new URL(file, DIR), 'utf8');
  return [...text.matchAll(/^import\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gms)]
    .filter((m) => !m[1])
    .map((m) => m[2]);
}

describe('the service modules and the simulator', () => {
  it('has modules to check', () => {
    expect(modules).toContain('routes-panel.ts');
    expect(modules).toContain('embedded-sim.ts');
  });

  for (const file of modules.filter((f) => !ROOTS.includes(f))) {
    it(`${file} does not load the simulator, directly or through embedded-sim.ts`, () => {
      const imports = runtimeImports(file);
      expect(imports.filter((i) => i.includes('simulator/'))).toEqual([]);
      expect(imports.filter((i) => i.endsWith('embedded-sim.ts'))).toEqual([]);
    });
  }
});
