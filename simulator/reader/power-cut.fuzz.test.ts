// Regression from the soak (seed 45): a power cut during PIN entry left the secure-entry
// indicator on the simulated display, so the next key script started at once — into a reader
// that was not asking for a PIN — and the next entry timed out. The display now goes dark with
// the power, as a display does. Checked at every instant of an entry, on the real firmware.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PcToRdr } from '../../protocol/ccid-constants.ts';
import { verifyStructure } from '../../host/pin/pin-templates.ts';
import { bench } from '../../firmware/test/e2e/e2e-kit.ts';
import { SECURE_ENTRY_INDICATOR } from './display.ts';

describe('a power cut during PIN entry', () => {
  it('leaves no secure-entry indicator, and a later key script waits for the next prompt', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3000 }), async (cutAfterMs) => {
        const b = await bench(['ssc3:li-na'], { seed: 45, profile: 'native' });
        try {
          await b.host.powerOn(0);
          b.sim.typeKeys('1 2 3 4 5 6 7 8 9 enter');
          void b.host
            .send({
              type: PcToRdr.Secure,
              slot: 0,
              bwi: 0,
              levelParameter: 0,
              payload: { kind: 'verify', structure: verifyStructure('ssc') },
            })
            .catch(() => {});
          await new Promise<void>((r) => b.sim.clock.schedule(cutAfterMs * 1e6, r));
          b.sim.powerCut(100);
          await new Promise<void>((r) => b.sim.clock.schedule(1000e6, r));
          expect(b.sim.reader.display.rows().join('')).not.toContain(SECURE_ENTRY_INDICATOR);
          b.sim.reader.keypad.cancelAll();
          b.sim.typeKeys('1 enter');
          expect(b.sim.reader.keypad.armedScripts).toBe(1);
          expect(b.sim.reader.keypad.busy).toBe(false);
        } finally {
          await b.stop();
        }
      }),
      { seed: 45, numRuns: 15 },
    );
  });
});
