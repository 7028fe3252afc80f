// Child processes for the pseudo-terminal benchmarks: the simulator CLI on a pty (real time),
// and Debian's pcscd reading a private reader.conf.d. Each is stopped by its own pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

export const PCSCD = '/usr/sbin/pcscd';
export const LIBCCIDTWIN = '/usr/lib/pcsc/drivers/serial/libccidtwin.so';
export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface Child {
  readonly process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function child(process: ChildProcess, stopSignal: NodeJS.Signals = 'SIGTERM'): Child {
  let output = '';
  process.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  process.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<void>((resolve) => {
    if (process.exitCode !== null || process.signalCode !== null) resolve();
    else process.once('exit', () => resolve());
  });
  return {
    process,
    output: () => output,
    async stop() {
      if (process.exitCode === null && process.signalCode === null && process.pid !== undefined)
        process.kill(stopSignal);
      const timer = setTimeout(() => process.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitFor(
  what: string,
  ms: number,
  ready: () => boolean,
  dead: () => string | undefined,
) {
  const end = performance.now() + ms;
  while (!ready()) {
    const why = dead();
    if (why !== undefined) throw new Error(`${what}: ${why}`);
    if (performance.now() > end) throw new Error(`${what}: not ready after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `npm run sim` in real time on a pseudo-terminal at `ptyPath`; resolves once it is ready. */
export async function startSimulator(options: {
  ptyPath: string;
  card: string;
  sams?: string[];
  seed?: number;
  /** Write the simulator's trace to this file. */
  trace?: string;
}): Promise<Child> {
  const args = [
    '--import',
    'tsx',
    'simulator/cli.ts',
    '--link',
    `pty:${options.ptyPath}`,
    '--realtime',
  ];
  args.push('--card', options.card, '--seed', String(options.seed ?? 1));
  for (const sam of options.sams ?? []) args.push('--sam', sam);
  if (options.trace) args.push('--trace', options.trace);
  const sim = child(spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }));
  await waitFor(
    'simulator',
    30_000,
    () => /^ready /m.test(sim.output()),
    () => (sim.process.exitCode !== null ? `exited: ${sim.output().trim()}` : undefined),
  );
  return {
    ...sim,
    async stop() {
      sim.process.stdin?.end('quit\n');
      await sim.stop();
    },
  };
}

/** The pseudo-terminal runs need socat (simulator/link/pty-link.ts); undefined when it is there. */
export function ptyMissing(): string | undefined {
  if (spawnSync('socat', ['-V'], { stdio: 'ignore' }).status !== 0)
    return 'socat is missing (apt-get install socat): the simulator cannot expose a pseudo-terminal';
  return undefined;
}

/** What the pcscd comparison needs; undefined when everything is there, else the one missing. */
export function pcscdMissing(): string | undefined {
  if (!existsSync(PCSCD)) return 'pcscd is not installed (apt-get install pcscd)';
  if (!existsSync(LIBCCIDTWIN))
    return `libccid's serial driver is missing (${LIBCCIDTWIN}; apt-get install libccid)`;
  if (!existsSync(SYSTEM_PYTHON)) return `${SYSTEM_PYTHON} is missing`;
  const py = spawnSync(SYSTEM_PYTHON, ['-c', 'import smartcard'], { stdio: 'ignore' });
  if (py.status !== 0)
    return 'pyscard is missing for /usr/bin/python3 (apt-get install python3-pyscard)';
  if (spawnSync('socat', ['-V'], { stdio: 'ignore' }).status !== 0) return 'socat is missing';
  // pcscd 1.9.9 always binds /run/pcscd/pcscd.comm (it ignores PCSCLITE_CSOCK_NAME, which only
  // the client library reads): a private mount namespace gives it a private /run/pcscd, so it
  // never meets another pcscd on this machine.
  const ns = spawnSync('unshare', ['--mount', '--propagation', 'private', 'true'], {
    stdio: 'ignore',
  });
  if (ns.status !== 0)
    return 'cannot give pcscd a private /run/pcscd (unshare --mount needs root or CAP_SYS_ADMIN)';
  return undefined;
}

/**
 * pcscd in the foreground with its own reader.conf.d (`-c confDir`) and its own /run/pcscd
 * (`runDir`, bind-mounted in a private mount namespace). Clients reach it with
 * PCSCLITE_CSOCK_NAME=<runDir>/pcscd.comm.
 */
export async function startPcscd(confDir: string, runDir: string): Promise<Child> {
  const script = `mkdir -p /run/pcscd && mount --bind "$1" /run/pcscd && exec ${PCSCD} --foreground -c "$2"`;
  const p = child(
    spawn(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', runDir, confDir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  await waitFor(
    'pcscd',
    15_000,
    () => existsSync(join(runDir, 'pcscd.comm')),
    () => (p.process.exitCode !== null ? `exited: ${p.output().trim()}` : undefined),
  );
  return p;
}

/** The user card's voltage class and clock as the simulator's trace shows them last. */
export function userCardSetting(traceText: string): string {
  const lines = traceText.split('\n').filter((l) => /\bslot0\b/.test(l));
  const last = (re: RegExp) =>
    lines
      .filter((l) => re.test(l))
      .at(-1)
      ?.replace(/^.*slot0\s+/, '');
  return [last(/VCC on, class/), last(/CLK \d/), last(/UART F=/)].filter(Boolean).join(', ');
}
