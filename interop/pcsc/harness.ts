// Stock PC/SC against the simulated reader: the simulator on a pseudo-terminal (real time),
// Debian's pcscd with libccid's serial driver on it, and the stock clients (pcsc_scan, pyscard on
// /usr/bin/python3). Reusable by any test that needs a real PC/SC stack — for a PIN pad reader
// pass `driver: 'GemPCPinPad'`.
//
// Isolation: every pcscd started here is private. pcscd 1.9.9 always listens on
// /run/pcscd/pcscd.comm (its server ignores PCSCLITE_CSOCK_NAME; only libpcsclite, the client
// side, reads it), so pcscd runs in a mount namespace of its own (unshare) in which /run/pcscd is
// a folder of the test: the socket appears there, and clients reach it through
// PCSCLITE_CSOCK_NAME. A pcscd of the system or of another test is never touched.
//
// Processes: everything started here is tracked and ended by its own pid (SIGTERM, then SIGKILL
// after a bounded wait) by `stopAll()`, which tests call in afterEach; a process exit hook kills
// what is left. Waits poll real processes with a deadline, never a fixed sleep.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'simulator/cli.ts');

export const PCSCD = '/usr/sbin/pcscd';
export const LIBCCID_SERIAL = '/usr/lib/pcsc/drivers/serial/libccidtwin.so';
export const PCSC_SCAN = '/usr/bin/pcsc_scan';
/** Debian's python3 (python3-pyscard is installed for it, not for a pyenv python3 on PATH). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** The Debian packages a stock PC/SC test needs, each with what is missing of it. */
export function missingPcscPackages(): string[] {
  const missing: string[] = [];
  if (!existsSync(PCSCD)) missing.push(`pcscd (${PCSCD})`);
  if (!existsSync(LIBCCID_SERIAL)) missing.push(`libccid (${LIBCCID_SERIAL})`);
  if (!existsSync(PCSC_SCAN)) missing.push(`pcsc-tools (${PCSC_SCAN})`);
  if (!onPath('socat')) missing.push('socat');
  if (!onPath('unshare')) missing.push('util-linux (unshare)');
  const pyscard =
    existsSync(SYSTEM_PYTHON) &&
    spawnSync(SYSTEM_PYTHON, ['-c', 'import smartcard'], { stdio: 'ignore' }).status === 0;
  if (!pyscard) missing.push(`python3-pyscard (import smartcard in ${SYSTEM_PYTHON})`);
  return missing;
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

// ---- processes ----

interface Tracked {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
}

const running = new Set<Tracked>();

process.once('exit', () => {
  for (const t of running) if (t.child.exitCode === null) t.child.kill('SIGKILL');
});

/** Output of a child, collected, with waits for a pattern. */
export class Output {
  text = '';
  private readonly waiters = new Set<() => void>();

  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    for (const w of this.waiters) w();
  }

  /** Resolves with the first match of `pattern` at or after `from`; rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs: number, from = 0, what = String(pattern)): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(this.text.slice(from));
        if (!m) return false;
        done();
        resolve(m[0]);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for ${what}; output:\n${this.tail()}`),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = () => void check();
      this.waiters.add(waiter);
      check();
    });
  }

  tail(chars = 4000): string {
    return this.text.slice(-chars);
  }
}

function track(name: string, child: ChildProcess): Tracked {
  const t: Tracked = {
    name,
    child,
    exited: new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    }),
  };
  running.add(t);
  void t.exited.then(() => running.delete(t));
  return t;
}

/** Ends one tracked process by its pid: SIGTERM, then SIGKILL if it lingers. */
async function end(t: Tracked, graceMs = 3000): Promise<void> {
  if (t.child.exitCode !== null || t.child.signalCode !== null) return;
  t.child.kill('SIGTERM');
  const timer = setTimeout(() => t.child.kill('SIGKILL'), graceMs);
  await t.exited;
  clearTimeout(timer);
}

/** Ends every process this module started (clients first, pcscd, then the simulators). */
export async function stopAll(): Promise<void> {
  const order = ['client', 'pcscd', 'simulator'];
  const all = [...running].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  for (const t of all) await end(t);
}

/** A private scratch folder for one test; removed by `removeWorkDirs()`. */
const dirs: string[] = [];
export function workDir(prefix = 'kr-pcsc-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export function removeWorkDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

// ---- the simulator ----

export interface SimulatorOptions {
  /** Folder for the pseudo-terminal link. */
  dir: string;
  /** User card spec (`ssc2`, `ssc3:li-na`, `ssc3-t1`, …); none = empty slot. */
  card?: string;
  sams?: string[];
  /** More CLI arguments (`--keys`, `--trace <file>`, `--fault …`). */
  args?: string[];
  /** ms to wait for the ready line. */
  readyTimeoutMs?: number;
}

export interface RunningSimulator {
  /** The pseudo-terminal's path (for DEVICENAME). */
  readonly pty: string;
  readonly stderr: Output;
  /** Sends a stdin command (`insert ssc3`, `remove`, `keys …`) and waits for its `ok` line. */
  command(line: string, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/**
 * `npm run sim -- --link pty:<dir>/ttyKiosk --card … --sam … --realtime`, as a child process
 * (node with tsx, as the npm script runs it); resolves once it printed `ready pty:<path>`.
 */
export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const pty = join(options.dir, 'ttyKiosk');
  const args = ['--link', `pty:${pty}`, '--realtime'];
  if (options.card) args.push('--card', options.card);
  for (const sam of options.sams ?? []) args.push('--sam', sam);
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const t = track('simulator', child);
  const stdout = new Output();
  const stderr = new Output();
  child.stdout!.on('data', (c: Buffer) => stdout.push(c));
  child.stderr!.on('data', (c: Buffer) => stderr.push(c));
  child.stdin!.on('error', () => {});
  const exited = t.exited.then(() => {
    throw new Error(`the simulator exited (${child.exitCode}): ${stderr.tail()}`);
  });
  await Promise.race([
    stdout.waitFor(/^ready pty:.*\n/m, options.readyTimeoutMs ?? 30_000, 0, 'the ready line'),
    exited,
  ]);
  exited.catch(() => {});
  return {
    pty,
    stderr,
    async command(line: string, timeoutMs = 10_000) {
      const from = stderr.text.length;
      child.stdin!.write(`${line}\n`);
      return stderr
        .waitFor(/^(ok|error)\b.*$/m, timeoutMs, from, `an answer to "${line}"`)
        .then((answer) => {
          if (answer.startsWith('error')) throw new Error(`simulator: ${answer}`);
          return answer;
        });
    },
    stop: () => end(t),
  };
}

// ---- pcscd ----

export interface PcscdOptions {
  dir: string;
  /** The serial device (the simulator's pseudo-terminal). */
  device: string;
  /** libccid's serial reader type after the colon in DEVICENAME. */
  driver?: 'GemPCTwin' | 'GemPCPinPad';
  friendlyName?: string;
  /** libccid log level (LIBCCID_ifdLogLevel): 0x000F logs every frame. */
  ccidLogLevel?: number;
  timeoutMs?: number;
}

export interface RunningPcscd {
  /** Environment for clients: PCSCLITE_CSOCK_NAME points at this pcscd's socket. */
  readonly env: NodeJS.ProcessEnv;
  /** The reader name as PC/SC lists it (friendly name + " 00 00"). */
  readonly readerName: string;
  /** pcscd's foreground log (debug level, APDUs). */
  readonly log: Output;
  stop(): Promise<void>;
}

/** Starts a private pcscd on the pseudo-terminal and waits until it lists the reader. */
export async function startPcscd(options: PcscdOptions): Promise<RunningPcscd> {
  const friendly = options.friendlyName ?? 'Kiosk Reader';
  const confDir = join(options.dir, 'reader.conf.d');
  const runDir = join(options.dir, 'run');
  mkdirSync(confDir, { recursive: true });
  mkdirSync(runDir, { recursive: true });
  writeFileSync(
    join(confDir, 'kiosk-reader'),
    [
      `FRIENDLYNAME "${friendly}"`,
      `DEVICENAME ${options.device}:${options.driver ?? 'GemPCTwin'}`,
      `LIBPATH ${LIBCCID_SERIAL}`,
      '',
    ].join('\n'),
  );
  const socket = join(runDir, 'pcscd.comm');
  const env = { ...process.env, PCSCLITE_CSOCK_NAME: socket };
  // In the new mount namespace /run/pcscd is our folder; pcscd is exec'd (same pid as the child).
  const script = [
    'set -e',
    'mkdir -p /run/pcscd',
    `mount --bind "$KR_RUN_DIR" /run/pcscd`,
    `exec ${PCSCD} --foreground --debug --apdu --config "$KR_CONF_DIR"`,
  ].join('\n');
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
    env: {
      ...env,
      KR_RUN_DIR: runDir,
      KR_CONF_DIR: confDir,
      LIBCCID_ifdLogLevel: `0x${(options.ccidLogLevel ?? 0x000f).toString(16).padStart(4, '0')}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const t = track('pcscd', child);
  const log = new Output();
  child.stdout!.on('data', (c: Buffer) => log.push(c));
  child.stderr!.on('data', (c: Buffer) => log.push(c));
  const readerName = `${friendly} 00 00`;
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  // The reader is up once a client lists it (pcscd answers only after the driver started).
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`pcscd exited (${child.exitCode ?? child.signalCode}):\n${log.tail()}`);
    if (existsSync(socket)) {
      const list = spawnSync(PCSC_SCAN, ['-r'], { env, encoding: 'utf8', timeout: 5000 });
      if (list.stdout?.includes(readerName)) break;
    }
    if (Date.now() > deadline) {
      await end(t);
      throw new Error(`pcscd did not list "${readerName}" in time:\n${log.tail()}`);
    }
    await pause(200);
  }
  return { env, readerName, log, stop: () => end(t) };
}

/** A short pause between two polls of a real process (never used as a wait for an outcome). */
function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- clients ----

export interface ClientResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a client to its end (bounded by `timeoutMs`), tracked so that stopAll ends it. */
export function runClient(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<ClientResult> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const t = track('client', child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c));
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const timer = setTimeout(() => void end(t), timeoutMs);
  return t.exited.then(() => {
    clearTimeout(timer);
    return { status: child.exitCode, stdout, stderr };
  });
}

/** Runs a Python file with Debian's python3 (pyscard) against this pcscd. */
export function runPython(
  pcscd: RunningPcscd,
  script: string,
  args: string[] = [],
  timeoutMs = 30_000,
): Promise<ClientResult> {
  return runClient(SYSTEM_PYTHON, [script, ...args], pcscd.env, timeoutMs);
}

export interface RunningScan {
  readonly output: Output;
  stop(): Promise<void>;
}

/** `pcsc_scan -n` (no ATR analysis) running in the background, line-buffered. */
export function startPcscScan(pcscd: RunningPcscd): RunningScan {
  const useStdbuf = onPath('stdbuf');
  const command = useStdbuf ? 'stdbuf' : PCSC_SCAN;
  const args = useStdbuf ? ['-oL', PCSC_SCAN, '-n'] : ['-n'];
  const child = spawn(command, args, { env: pcscd.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const t = track('client', child);
  const output = new Output();
  child.stdout!.on('data', (c: Buffer) => output.push(c));
  child.stderr!.on('data', (c: Buffer) => output.push(c));
  return { output, stop: () => end(t) };
}

/** The Python helpers next to this file. */
export const PYTHON_DIR = fileURLToPath(new URL('./python/', import.meta.url));

/** Reads a file written by a child, '' if absent (logs for failure messages). */
export function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}
