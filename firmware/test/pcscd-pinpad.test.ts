// Stock PC/SC, automated (issue 6 "Must show"): the simulator (real firmware.wasm, virtual card,
// keypad) on a pseudo-terminal; Debian's pcscd with `DEVICENAME <pty>:GemPCPinPad` and
// libccid's serial driver, with a private reader.conf directory (-c) and a private socket; a
// pyscard script (Debian's /usr/bin/python3) asks for the features and sends
// FEATURE_VERIFY_PIN_DIRECT and FEATURE_MODIFY_PIN_DIRECT while the simulator types the PINs.
//
// pcscd 1.9.9 always listens on /run/pcscd/pcscd.comm (PCSCLITE_CSOCK_NAME only moves the
// client's side), so it runs in a private mount namespace with a directory of this test bound
// on /run/pcscd: its socket is then <dir>/run/pcscd.comm, which the client reaches through
// PCSCLITE_CSOCK_NAME, and a system pcscd is neither disturbed nor in the way.
//
// PINPAD_LOG=<file> keeps pcscd's log (libccid byte traces), PINPAD_TRACE=<file> the simulator's.
//
// Skips, saying why, when the Debian packages are missing — never when CI=true (.ci/run
// installs them). Wall-clock time: pcscd is a real daemon; every wait is for an event, bounded.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PCSCD = '/usr/sbin/pcscd';
const LIBCCIDTWIN = '/usr/lib/pcsc/drivers/serial/libccidtwin.so';
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./pcscd/pinpad.py', import.meta.url));
const READER_NAME = 'Kiosk PinPad';

function missing(): string[] {
  const out: string[] = [];
  if (!existsSync(PCSCD)) out.push('pcscd');
  if (!existsSync(LIBCCIDTWIN)) out.push('libccid');
  if (spawnSync('socat', ['-V']).status !== 0) out.push('socat');
  if (spawnSync(PYTHON, ['-c', 'import smartcard.scard']).status !== 0) out.push('python3-pyscard');
  return out;
}

const absent = missing();
const inCi = process.env.CI === 'true';
const privateMounts =
  absent.length === 0 &&
  spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']).status === 0;

const started: ChildProcess[] = [];
let dir: string | undefined;

afterEach(async () => {
  for (const p of started.reverse()) await stop(p);
  started.length = 0;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Ends a process this test started, by its id: SIGTERM, then SIGKILL after 3 s. */
function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => p.kill('SIGKILL'), 3000);
    p.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const p = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  started.push(p);
  return p;
}

/** Collects a stream's text; resolves `until` when `pattern` appears (rejects after `ms`). */
function watch(p: ChildProcess, stream: 'stdout' | 'stderr') {
  let text = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  p[stream]!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (const w of [...waiters]) if (w.pattern.test(text)) w.resolve();
  });
  return {
    get text() {
      return text;
    },
    until(pattern: RegExp, ms: number, what: string): Promise<void> {
      if (pattern.test(text)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
        const fail = () => reject(new Error(`${what}: the process ended (${p.exitCode})`));
        p.once('exit', fail);
        waiters.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            p.off('exit', fail);
            resolve();
          },
        });
      });
    },
  };
}

function exited(p: ChildProcess, ms: number, what: string): Promise<number | null> {
  if (p.exitCode !== null) return Promise.resolve(p.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: still running after ${ms} ms`)), ms);
    p.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

interface Step {
  step: string;
  [field: string]: unknown;
}

async function pcscRun(card: string, keyScripts: string[], steps: string[]) {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-pinpad-'));
  const tty = join(dir, 'tty');
  const conf = join(dir, 'reader.conf.d');
  const run = join(dir, 'run');
  mkdirSync(conf);
  mkdirSync(run);

  const sim = start(join(ROOT, 'node_modules/.bin/tsx'), [
    'simulator/cli.ts',
    '--link',
    `pty:${tty}`,
    '--card',
    card,
    '--realtime',
    '--keys',
    keyScripts[0],
    ...(process.env.PINPAD_TRACE ? ['--trace', process.env.PINPAD_TRACE] : []),
  ]);
  const simOut = watch(sim, 'stdout');
  const simErr = watch(sim, 'stderr');
  await simOut.until(/^ready /m, 30_000, 'simulator ready');
  // The other scripts wait, in order, for the PIN prompts after the first.
  for (const keys of keyScripts.slice(1)) sim.stdin!.write(`keys ${keys}\n`);

  writeFileSync(
    join(conf, 'reader.conf'),
    [
      `FRIENDLYNAME "${READER_NAME}"`,
      `DEVICENAME ${tty}:GemPCPinPad`,
      `LIBPATH ${LIBCCIDTWIN}`,
      '',
    ].join('\n'),
  );
  const socket = privateMounts ? join(run, 'pcscd.comm') : '/run/pcscd/pcscd.comm';
  const pcscdArgs = ['--foreground', '--debug', '--apdu', '-c', conf];
  const pcscd = privateMounts
    ? start(
        'unshare',
        [
          '--mount',
          '--propagation',
          'private',
          'sh',
          '-c',
          `mount --bind "${run}" /run/pcscd && exec ${PCSCD} ${pcscdArgs.join(' ')}`,
        ],
        { LIBCCID_ifdLogLevel: '0x000F' },
      )
    : start(PCSCD, pcscdArgs, { LIBCCID_ifdLogLevel: '0x000F' });
  const pcscdLog = watch(pcscd, 'stdout');
  watch(pcscd, 'stderr');

  const python = start(PYTHON, [SCRIPT, READER_NAME, ...steps], {
    PCSCLITE_CSOCK_NAME: socket,
  });
  const pyOut = watch(python, 'stdout');
  const pyErr = watch(python, 'stderr');
  const code = await exited(python, 90_000, 'pyscard script');
  const results = pyOut.text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Step);
  const diagnostics = () =>
    [
      `python exit ${code}: ${pyOut.text} ${pyErr.text}`,
      `simulator: ${simErr.text.slice(-3000)}`,
      `pcscd: ${pcscdLog.text.slice(-6000)}`,
    ].join('\n');
  if (process.env.PINPAD_LOG) writeFileSync(process.env.PINPAD_LOG, pcscdLog.text);
  sim.stdin!.write('quit\n');
  return { code, results, diagnostics, pcscdLog };
}

describe('stock pcscd + libccid (GemPCPinPad) + pyscard against the simulated reader', () => {
  // T=0 only: with ssc3-t1 libccid's PPS (FF 11 96 78, F=512 D=32) succeeds but its S(IFS)
  // request then fails in --realtime (the card sees the reader's characters too far apart and
  // answers R-blocks: "Set PTS failed"), before any PIN command; the PIN pad's T=1 block from
  // bTeoPrologue is covered byte for byte in pin-pad.test.ts.
  for (const card of ['ssc3:li-na']) {
    it(`${card}: features, VERIFY_PIN_DIRECT 90 00 and 63 C2, MODIFY_PIN_DIRECT, the new PIN`, async (ctx) => {
      if (absent.length > 0) {
        if (inCi) throw new Error(`CI=true but Debian packages are missing: ${absent.join(', ')}`);
        ctx.skip(`Debian packages missing: ${absent.join(', ')} (apt-get install them to run)`);
      }
      const { code, results, diagnostics, pcscdLog } = await pcscRun(
        card,
        [
          '1 2 3 4 5 6 enter',
          '6 5 4 3 2 1 enter',
          '1 2 3 4 5 6 enter 2 4 6 8 0 enter 2 4 6 8 0 enter',
          '2 4 6 8 0 enter',
        ],
        ['verify', 'verify', 'modify', 'verify'],
      );
      expect(code, diagnostics()).toBe(0);
      const by = (step: string) => results.filter((r) => r.step === step);
      expect(by('reader')[0]?.name).toBe(`${READER_NAME} 00 00`);
      expect(by('connect')[0]?.protocol).toBe(card.includes('t1') ? 2 : 1);
      // VERIFY_PIN_DIRECT, MODIFY_PIN_DIRECT, IFD_PIN_PROPERTIES, GET_TLV_PROPERTIES.
      expect(by('features')[0]?.tags).toEqual([0x06, 0x07, 0x0a, 0x12]);
      expect(by('verify').map((r) => r.sw)).toEqual(['9000', '63C2', '9000']);
      expect(by('modify').map((r) => r.sw)).toEqual(['9000']);
      // libccid saw every PIN command go out as PC_to_RDR_Secure (0x69).
      expect(pcscdLog.text).toMatch(/l10n string loaded successfully/);
    });
  }
});
