// A vitest suite that needs the stock PC/SC stack (harness.ts): it runs where the Debian packages
// are installed; without them it is skipped, saying which are missing — except under CI=true
// (.ci/run installs them), where their absence is a failing test rather than a silent skip.
import { describe, expect, it } from 'vitest';
import { missingPcscPackages } from './harness.ts';

export function describePcsc(name: string, body: () => void): void {
  const missing = missingPcscPackages();
  const ci = process.env.CI === 'true';
  const skip = missing.length > 0 && !ci;
  if (skip) {
    console.warn(
      `${name}: skipped, Debian packages missing: ${missing.join(', ')} ` +
        '(apt-get install pcscd libccid pcsc-tools python3-pyscard socat; CI=true never skips)',
    );
  }
  describe.skipIf(skip)(name, () => {
    if (missing.length > 0) {
      it('has the Debian packages it needs', () => {
        expect(missing, 'CI=true: .ci/run should have installed them').toEqual([]);
      });
      return;
    }
    body();
  });
}
