// Stock PC/SC with the reader's PIN pad (issue 6 "Must show"): the simulator (real firmware.wasm,
// virtual card, keypad) on a pseudo-terminal; Debian's pcscd with libccid's serial driver as a
// GemPC PinPad (`DEVICENAME <pty>:GemPCPinPad`); python/pinpad.py (pyscard) asks for the part 10
// features and sends FEATURE_VERIFY_PIN_DIRECT and FEATURE_MODIFY_PIN_DIRECT while the simulator
// types the PINs. The PIN never passes through pcscd or the script: keys reach only the firmware.
//
// On T=0 the reader sends the VERIFY it built as a TPDU; on T=1 (ssc3-t1, after libccid's own PPS
// to TA1 = 96) as one I-block whose NAD and PCB come from libccid's bTeoPrologue, with LEN and the
// EDC the reader computes — libccid then reads the card's I-block back through its own T=1 state.
//
// Harness: interop/pcsc/harness.ts (private pcscd in its own mount namespace, processes ended by
// pid). Skips, saying why, only when the Debian packages are missing, never when CI=true.
import { afterEach, expect, it } from 'vitest';
import { join } from 'node:path';
import { sscPersona } from '../../simulator/profiles/index.ts';
import {
  PYTHON_DIR,
  removeWorkDirs,
  runPython,
  startPcscd,
  startSimulator,
  stopAll,
  workDir,
} from './harness.ts';
import { describePcsc } from './describe-pcsc.ts';

const PINPAD = join(PYTHON_DIR, 'pinpad.py');
const FRIENDLY_NAME = 'Kiosk PinPad';

afterEach(async () => {
  await stopAll();
  removeWorkDirs();
});

interface Step {
  step: string;
  [field: string]: unknown;
}

/** Key script of a PIN: its digits, then Enter. */
const typed = (pin: string) => `${pin.split('').join(' ')} enter`;

/**
 * The simulator with `card`, the first key script armed, the others queued in order (each plays
 * at the next PIN prompt); pcscd as a GemPC PinPad; pinpad.py running `steps`.
 */
async function pinpadRun(card: string, keyScripts: string[], steps: string[]) {
  const dir = workDir('kr-pinpad-');
  const sim = await startSimulator({ dir, card, args: ['--keys', keyScripts[0]] });
  for (const keys of keyScripts.slice(1)) await sim.command(`keys ${keys}`);
  const pcscd = await startPcscd({
    dir,
    device: sim.pty,
    driver: 'GemPCPinPad',
    friendlyName: FRIENDLY_NAME,
  });
  const run = await runPython(pcscd, PINPAD, [pcscd.readerName, ...steps], 90_000);
  const results = run.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Step);
  const diagnostics = [
    `python exit ${run.status}: ${run.stdout} ${run.stderr}`,
    `simulator: ${sim.stderr.tail(3000)}`,
    `pcscd: ${pcscd.log.tail(6000)}`,
  ].join('\n');
  const by = (step: string) => results.filter((r) => r.step === step);
  return { run, by, diagnostics, pcscd };
}

describePcsc('stock pcscd + libccid (GemPCPinPad) + pyscard: the PIN pad', () => {
  it('T=0 (ssc3:li-na): features, VERIFY_PIN_DIRECT 90 00 and 63 C2, MODIFY_PIN_DIRECT, the new PIN', async () => {
    const pin = sscPersona('ssc3:li-na').pin;
    const { run, by, diagnostics, pcscd } = await pinpadRun(
      'ssc3:li-na',
      [
        typed(pin),
        typed('654321'),
        `${typed(pin)} ${typed('24680')} ${typed('24680')}`,
        typed('24680'),
      ],
      ['verify', 'verify', 'modify', 'verify'],
    );
    expect(run.status, diagnostics).toBe(0);
    expect(by('reader')[0]?.name).toBe(`${FRIENDLY_NAME} 00 00`);
    expect(by('connect')[0]?.protocol).toBe(1); // SCARD_PROTOCOL_T0
    // VERIFY_PIN_DIRECT, MODIFY_PIN_DIRECT, IFD_PIN_PROPERTIES, GET_TLV_PROPERTIES.
    expect(by('features')[0]?.tags).toEqual([0x06, 0x07, 0x0a, 0x12]);
    expect(by('verify').map((r) => r.sw)).toEqual(['9000', '63C2', '9000']);
    expect(by('modify').map((r) => r.sw)).toEqual(['9000']);
    // libccid drove it as a GemPC PinPad (its LCD strings went to the reader).
    expect(pcscd.log.text).toMatch(/l10n string loaded successfully/);
  });

  it("T=1 (ssc3-t1): VERIFY_PIN_DIRECT 90 00, a wrong PIN 63 Cx, through libccid's bTeoPrologue", async () => {
    const pin = sscPersona('ssc3-t1').pin;
    const { run, by, diagnostics, pcscd } = await pinpadRun(
      'ssc3-t1',
      [typed(pin), typed(pin === '999999' ? '888888' : '999999'), typed(pin)],
      ['verify', 'verify', 'verify'],
    );
    expect(run.status, diagnostics).toBe(0);
    expect(by('connect')[0]?.protocol).toBe(2); // SCARD_PROTOCOL_T1
    expect(by('features')[0]?.tags).toEqual([0x06, 0x07, 0x0a, 0x12]);
    const sws = by('verify').map((r) => r.sw as string);
    expect(sws[0], diagnostics).toBe('9000');
    expect(sws[1], diagnostics).toMatch(/^63C[0-9A-F]$/);
    // The right PIN again: the blocks' sequence numbers stayed in step.
    expect(sws[2], diagnostics).toBe('9000');
    // libccid's own PPS to TA1 = 96, then T=1 with its S(IFS) request.
    expect(pcscd.log.text).toMatch(/PPS: Receiving confirm: FF 11 96 78/);
    expect(pcscd.log.text).toMatch(/sending: 00 C1 01 FE 3E/);
    // The second PC_to_RDR_Secure carries bTeoPrologue NAD 00, PCB 40 (N(S) = 1), LEN 05 before
    // the VERIFY template; its answer is the card's I-block with N(S) = 1 holding 63 Cx.
    expect(pcscd.log.text).toMatch(/03 06 69 14 (?:[0-9A-F]{2} ){20}00 40 05 00 20 00 00 00 /);
    expect(pcscd.log.text).toMatch(/03 06 80 06 (?:[0-9A-F]{2} ){8}00 40 02 63 C[0-9A-F] /);
  });
});
