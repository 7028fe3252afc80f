// The simulator's command line (`npm run sim -- …`). Other tools and tests rely on these forms:
//
//   npm run sim -- --link pty:<path> --card <profile>[:<persona>] [--sam psam] [--realtime]
//                  [--seed N] [--keys "<script>"] [--state <dir>] [--trace <file>]
//                  [--boot-key <public.pem> --factory-image <image>]
//   npm run sim -- --list-cards [--json]
//
// It prints exactly one line on standard output, `ready <link>`, when the reader is up (for
// tcp:0 the line names the port it got); everything else goes to standard error.
import { closeSync, openSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command, CommanderError, Option } from 'commander';
import { USER_SLOT } from '../firmware/hal.ts';
import { createLabelledCard, describeProfiles } from './cards.ts';
import { CommandError, SimulatorError } from './errors.ts';
import { parseFaults } from './faults.ts';
import { bootStageFromOptions } from './cli/boot-options.ts';
import { formatProfiles } from './cli/list-cards.ts';
import { parseCommand } from './cli/stdin-commands.ts';
import { formatLinkSpec, parseLinkSpec, type LinkSpec } from './link/link-spec.ts';
import { PtyLink } from './link/pty-link.ts';
import { TcpLink } from './link/tcp-link.ts';
import { parseKeyScript } from './reader/key-script.ts';
import { Simulation } from './simulation.ts';

const HELP_AFTER = `
Links:
  pty:<path>   a pseudo-terminal; <path> links to the end serial-port software opens (pcscd:
               DEVICENAME <path>:GemPCTwin). Needs socat. Removed when the simulator exits.
  tcp:<port>   TCP on 127.0.0.1 (0 = any free port; the ready line names it). One client at a time.

Cards: ssc2, ssc3[:persona], ssc3-t1[:persona], health[:persona], psam[:persona], atr:<hex>
  (--list-cards shows every persona with its data and test PIN).

Key scripts: space-separated 0-9, enter, cancel, clear, backspace, f1-f4, wait:<ms>; keys come
  200 ms apart, wait:<ms> adds a pause. A script starts when the firmware next asks for a PIN
  (the display shows the secure-entry indicator 🔒), or at once if it is asking now.

Faults (--fault, repeatable): parity:<rate>, mute[:<slot>], pull:<ms>, host-noise:<rate>,
  host-loss:<rate>, host-dup:<rate>, flash-cut:<n>[@<fraction>]. Random faults follow --seed.

Boot stage: --boot-key <public.pem> --factory-image <image> boots the reader through the
  simulated native boot stage with that key built in; a blank flash is first programmed with the
  signed image, as on the production line (with --state, only when its flash holds no image).
  The firmware's update agent and \`kiosk-reader fw flash <image> --port <pty>\` then work as on
  a real reader: signature check, rollback protection, test boot, revert.

Time: fast mode (default) jumps from event to event and waits for input when idle; --realtime
  follows the wall clock (use it for pcscd and for people).

Standard input, one command per line:
  insert <profile>[:<persona>]   put a card in the user slot (the one there is pulled first)
  remove                         pull the user card
  keys <script>                  queue a key script
  power-cut                      cut the reader's power (it returns after 50 ms)
  quit                           stop (so do SIGINT and SIGTERM; end of input does not)

Exit status: 0 after quit, 1 when the simulator fails while running, 2 for bad arguments.
`;

/** Longest first boot under the boot stage (journal format, image check), virtual ms. */
const FIRST_BOOT_LIMIT_MS = 60_000;

interface CliOptions {
  link?: string;
  card?: string;
  sam: string[];
  realtime?: boolean;
  seed: number;
  keys?: string;
  state?: string;
  trace?: string;
  fault: string[];
  uart?: number;
  firmware?: string;
  bootKey?: string;
  factoryImage?: string;
  listCards?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function integer(name: string, min: number, max: number) {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max)
      throw new CommandError(`--${name} must be an integer ${min}..${max}, got "${value}"`);
    return n;
  };
}

function program(): Command {
  return new Command()
    .name('npm run sim --')
    .description(
      'Simulated kiosk card reader: runs firmware/build/firmware.wasm against virtual cards, keypad, display, flash and host link on a virtual clock.',
    )
    .option('--link <link>', 'expose the host link: pty:<path> or tcp:<port>')
    .option('--card <spec>', 'card in the user slot (slot 0)')
    .option('--sam <spec>', 'card in the next SAM socket (slots 1, 2); repeatable', collect, [])
    .option('--realtime', 'follow the wall clock (default: fast, event to event)')
    .addOption(
      new Option('--seed <n>', 'seed of every random choice')
        .default(1)
        .argParser(integer('seed', 0, 0xffffffff)),
    )
    .option('--keys <script>', 'key script to play at the next PIN prompt')
    .option('--state <dir>', 'keep the reader flash in <dir>/flash.bin across runs')
    .option('--trace <file>', 'write the trace (card lines, host link, reader events) to <file>')
    .option('--fault <spec>', 'inject a fault; repeatable (see below)', collect, [])
    .addOption(
      new Option('--uart <baud>', 'host link as a UART at <baud> (default USB CDC)').argParser(
        integer('uart', 300, 12_000_000),
      ),
    )
    .option('--firmware <path>', 'firmware image (default firmware/build/firmware.wasm)')
    .option('--boot-key <public.pem>', 'boot through the boot stage with this public key')
    .option('--factory-image <image>', 'with --boot-key: the signed image a blank flash gets')
    .option('--list-cards', 'list card profiles and personas with their data and PINs')
    .option('--json', 'with --list-cards: JSON')
    .addHelpText('after', HELP_AFTER)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    });
}

function say(text: string): void {
  process.stderr.write(`${text}\n`);
}

async function main(argv: string[]): Promise<number> {
  let opts: CliOptions;
  try {
    opts = program().parse(argv, { from: 'user' }).opts<CliOptions>();
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }

  if (opts.listCards) {
    const profiles = describeProfiles();
    process.stdout.write(
      opts.json ? `${JSON.stringify(profiles, null, 2)}\n` : formatProfiles(profiles),
    );
    return 0;
  }
  if (!opts.link)
    throw new CommandError('--link pty:<path> or --link tcp:<port> is required (see --help)');
  if (opts.sam.length > 2) throw new CommandError('at most two --sam (slots 1 and 2)');
  const linkSpec = parseLinkSpec(opts.link);
  const faults = parseFaults(opts.fault);
  if (opts.keys !== undefined) parseKeyScript(opts.keys);
  const bootStage = bootStageFromOptions(opts);

  let traceFd: number | undefined;
  if (opts.trace) {
    try {
      traceFd = openSync(opts.trace, 'w');
    } catch (e) {
      throw new CommandError(`cannot write the trace to ${opts.trace}: ${(e as Error).message}`);
    }
  }
  const fd = traceFd;
  const sim = await Simulation.create({
    seed: opts.seed,
    mode: opts.realtime ? 'realtime' : 'fast',
    firmware: opts.firmware,
    bootStage,
    hostLink: opts.uart ? { kind: 'uart', baud: opts.uart } : { kind: 'usb' },
    stateDir: opts.state,
    trace: fd === undefined ? false : { keep: false, write: (line) => writeSync(fd, `${line}\n`) },
    faults,
  });
  const insert = (slot: number, spec: string) => {
    const { card, label } = createLabelledCard(spec, { prng: sim.prng });
    if (sim.reader.lines[slot].present()) sim.removeCard(slot);
    sim.insertCard(slot, card);
    return label;
  };
  if (opts.card) insert(USER_SLOT, opts.card);
  opts.sam.forEach((spec, i) => insert(1 + i, spec));
  if (opts.keys) sim.typeKeys(opts.keys);
  sim.reader.onPanic((p) =>
    say(`panic: ${p.kind} in ${p.during}: ${p.detail} (firmware restarted)`),
  );

  const link = await openLink(sim, linkSpec);
  const running = sim.run();
  let finished = false;
  const finish = async (code: number): Promise<number> => {
    if (finished) return code;
    finished = true;
    await sim.stop();
    await link.close();
    if (fd !== undefined) closeSync(fd);
    return code;
  };

  // A client that opens the link while the boot stage still works would speak to no one: say
  // `ready` once the firmware runs.
  const started = await firmwareStarted(sim);
  if (started !== true) {
    say(`error: ${started}`);
    return finish(1);
  }

  return new Promise<number>((resolve) => {
    const end = (code: number) => void finish(code).then(resolve);
    process.once('SIGINT', () => end(0));
    process.once('SIGTERM', () => end(0));
    if (link instanceof PtyLink) link.onExit((message) => (say(`error: ${message}`), end(1)));
    running.catch((e) => (say(`error: the simulation failed: ${(e as Error).stack ?? e}`), end(1)));
    const input = createInterface({ input: process.stdin });
    input.on('line', (line) => {
      try {
        const command = parseCommand(line);
        switch (command.kind) {
          case 'insert':
            say(`ok inserted ${insert(USER_SLOT, command.spec)}`);
            break;
          case 'remove':
            if (!sim.reader.lines[USER_SLOT].present()) throw new CommandError('no card to remove');
            sim.removeCard(USER_SLOT);
            say('ok removed');
            break;
          case 'keys':
            sim.reader.keypad.type(command.steps);
            say(`ok keys (${command.steps.length} steps)`);
            break;
          case 'power-cut':
            sim.powerCut();
            say('ok power cut');
            break;
          case 'quit':
            input.close();
            end(0);
            break;
          case 'empty':
            break;
        }
      } catch (e) {
        say(`error: ${(e as Error).message}`);
      }
    });
    process.stdout.write(
      `ready ${formatLinkSpec(link instanceof TcpLink ? { kind: 'tcp', port: link.port } : linkSpec)}\n`,
    );
  });
}

/** True once the firmware runs; else why it does not (the boot stage found nothing to start). */
async function firmwareStarted(sim: Simulation): Promise<true | string> {
  const clock = sim.clientClock;
  for (const t0 = clock.now(); !sim.reader.running;) {
    if (sim.reader.bootError)
      return `the boot stage started no image: ${sim.reader.bootError.message}`;
    if (clock.now() - t0 > FIRST_BOOT_LIMIT_MS) return 'the firmware did not start';
    await new Promise<void>((r) => clock.setTimeout(r, 10));
  }
  return true;
}

async function openLink(sim: Simulation, spec: LinkSpec): Promise<PtyLink | TcpLink> {
  return spec.kind === 'pty'
    ? PtyLink.open(sim.reader, spec.path)
    : TcpLink.listen(sim.reader, spec.port);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const known = e instanceof SimulatorError || (e instanceof Error && e.name === 'CardSpecError');
    say(`error: ${known ? (e as Error).message : ((e as Error)?.stack ?? String(e))}`);
    process.exit(known ? 2 : 1);
  },
);
