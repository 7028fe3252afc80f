// The readers `fw flash` and `provision` work on: `--port <path>` (repeatable), `--all` (every
// reader discovery finds on the serial ports), `--all-sim N` (N simulated readers in this process,
// sim-fleet.ts), or, with none of these, the one reader discovery finds.
import type { KeyObject } from 'node:crypto';
import { realClock, type Clock } from '../clock.ts';
import { readImageFile, readPublicKeyFile } from '../firmware/key-files.ts';
import { readerTarget } from '../firmware/reader-target.ts';
import type { UpdateTarget } from '../firmware/target.ts';
import type { Reader } from '../reader/reader.ts';
import { Readers } from '../reader/readers.ts';
import { UsageError, type CliIo } from './io.ts';
import { NoReaderError } from './reader-source.ts';
import { startSimFleet } from './sim-fleet.ts';

export interface TargetOptions {
  port: string[];
  all?: boolean;
  allSim?: number;
  /** With --all-sim: the signed image their production line programmed. */
  factoryImage?: string;
  /** With --all-sim: the public key built into their boot stage. */
  bootKey?: string;
  seed: number;
  realtime?: boolean;
  /** How long to wait for readers, ms. */
  wait: number;
}

export interface OpenTargets {
  readonly targets: readonly UpdateTarget[];
  /** The tool's clock (each simulated reader's target carries its own). */
  readonly clock: Clock;
  close(): Promise<void>;
}

/**
 * Opens the readers. `defaultBootKey` is the key the simulated boot stage trusts when --boot-key
 * is not given (fw flash: the first --key); `needFactoryImage` makes --factory-image required
 * with --all-sim (a reader with a boot stage and nothing to boot stays dark).
 */
export async function openTargets(
  o: TargetOptions,
  io: CliIo,
  sim: { defaultBootKey?: string; needFactoryImage: boolean },
): Promise<OpenTargets> {
  const modes = [o.port.length > 0, o.all === true, o.allSim !== undefined].filter(Boolean);
  if (modes.length > 1) throw new UsageError('--port, --all and --all-sim exclude each other');
  if (o.allSim === undefined) {
    for (const [name, set] of [
      ['--factory-image', o.factoryImage],
      ['--boot-key', o.bootKey],
      ['--realtime', o.realtime],
    ] as const)
      if (set !== undefined)
        throw new UsageError(`${name} describes simulated readers: add --all-sim <n>`);
    return openSerial(o, io);
  }
  let boot: { publicKey: KeyObject; factoryImage?: Uint8Array } | undefined;
  const bootKey = o.bootKey ?? (o.factoryImage !== undefined ? sim.defaultBootKey : undefined);
  if (o.factoryImage === undefined && sim.needFactoryImage)
    throw new UsageError('--all-sim needs --factory-image <image>: what the readers run before');
  if (o.factoryImage !== undefined) {
    if (bootKey === undefined)
      throw new UsageError(
        '--factory-image needs --boot-key <public.pem>: the key their boot stage trusts',
      );
    boot = { publicKey: readPublicKeyFile(bootKey), factoryImage: readImageFile(o.factoryImage) };
  } else if (o.bootKey !== undefined)
    throw new UsageError(
      '--boot-key needs --factory-image <image>: a boot stage needs an image to boot',
    );
  const fleet = await startSimFleet({ count: o.allSim, boot, seed: o.seed, realtime: o.realtime });
  return { targets: fleet.targets, clock: fleet.sims[0].clientClock, close: () => fleet.stop() };
}

async function openSerial(o: TargetOptions, io: CliIo): Promise<OpenTargets> {
  const readers = new Readers({
    clock: realClock,
    ports: o.port,
    discover: o.port.length === 0,
  });
  readers.on('warning', (t) => io.stderr(`warning: ${t}\n`));
  const close = () => readers.close();
  try {
    await readers.start();
    let chosen: Reader[];
    if (o.port.length > 0) {
      chosen = o.port.map((p) => readers.get(p)!);
      const failed: string[] = [];
      await Promise.all(
        chosen.map((r) =>
          r.whenAttached({ timeoutMs: o.wait }).catch(() => {
            failed.push(`${r.path}${r.lastError ? ` (${r.lastError.message})` : ''}`);
          }),
        ),
      );
      if (failed.length) throw new NoReaderError(`no reader on ${failed.join(', ')}`);
    } else {
      if (readers.list().length === 0)
        await readers.waitForReader({ timeoutMs: o.wait }).catch(() => {
          throw new NoReaderError(
            'no reader found (no serial port with USB ID 1209:0001; use --port <path> or --all-sim <n>)',
          );
        });
      chosen = readers.list();
      if (!o.all && chosen.length > 1)
        throw new UsageError(
          `${chosen.length} readers found (${chosen.map((r) => r.path).join(', ')}): give --port <path> or --all`,
        );
    }
    return { targets: chosen.map((r) => readerTarget(r)), clock: realClock, close };
  } catch (e) {
    await close();
    throw e;
  }
}
