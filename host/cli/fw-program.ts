// `kiosk-reader fw keygen | sign | verify | info | flash` and `kiosk-reader provision`: the
// firmware tools of host/firmware/commands.ts on the command line. Each prints the command's text
// (or its JSON with --json) on stdout and exits with its exit code; progress bars go to stderr.
import { Writable } from 'node:stream';
import { Command, Option } from 'commander';
import {
  fwFlash,
  fwFlashCheck,
  fwInfo,
  fwKeygen,
  fwProvision,
  fwSign,
  fwVerify,
  type CommandOutput,
} from '../firmware/commands.ts';
import { openTargets, type TargetOptions } from './fw-targets.ts';
import type { CliIo } from './io.ts';
import { collect, integer } from './options.ts';
import { EXCHANGE_LIMIT_MAX_S, EXCHANGE_LIMIT_MIN_S } from '../../protocol/native-constants.ts';

const FW_HELP = `
Keys and images:
  fw keygen <base>                       <base>.pem (private, mode 600) and <base>.pub.pem
  fw sign <firmware.wasm> --key <private.pem> --version 1.2.3[+build] [--security-counter N]
          -o <image> [--fail-self-test]
  fw verify <image> --key <public.pem>… [--min-security-counter N]   exit 1 when refused
  fw info <image>                        header and TLVs, nothing verified

Readers:
  fw flash <image> --key <public.pem>… [--port <path>… | --all | --all-sim N] [--allow-downgrade]
          [--force] [--min-security-counter N] [--json]
  The image is verified here first (unsigned, tampered, wrong-key images, and rollback below
  --min-security-counter, never leave the host); each reader's boot stage verifies it again.
  --all-sim N starts N simulated readers (firmware.wasm under the simulated boot stage, whose key
  is --boot-key or the first --key) that run --factory-image, and updates them all.

Exit status: 0 done; 1 an image refused or a reader not updated (the report says which and why);
  2 bad arguments, files or keys; 3 no reader.

Examples:
  kiosk-reader fw keygen keys/line
  kiosk-reader fw sign firmware/build/firmware.wasm --key keys/line.pem --version 1.2.0 \\
      --security-counter 2 -o fw-1.2.0.img
  kiosk-reader fw flash fw-1.2.0.img --key keys/line.pub.pem --all
  kiosk-reader fw flash fw-1.2.0.img --key keys/line.pub.pem --all-sim 3 --factory-image fw-1.1.0.img
`;

const FLASH_HELP = `
The image is verified here first: unsigned, tampered and wrong-key images, and with
--min-security-counter rollback images, never leave the host. Each reader's boot stage verifies
it again, its security counter refuses a rollback in any case, and a build that fails its
self-test is reverted on the next boot; the report says which reader ended how.

Exit status: 0 every reader updated or up to date; 1 an image refused or a reader not updated;
  2 bad arguments, files or keys; 3 no reader.

Examples:
  kiosk-reader fw flash fw-1.2.0.img --key keys/line.pub.pem --port /dev/ttyACM0 --port /dev/ttyACM1
  kiosk-reader fw flash fw-1.2.0.img --key keys/line.pub.pem --all --json
  kiosk-reader fw flash fw-1.2.0.img --key keys/line.pub.pem --all-sim 3 --factory-image fw-1.1.0.img
`;

const PROVISION_HELP = `
With several readers the serial number's trailing digits count up (KR2400001, KR2400002, …).
The settings are written into each reader's configuration area, read back and compared.

Exit status: 0 every reader provisioned; 1 one failed (the report says why); 2 bad arguments;
  3 no reader.

Examples:
  kiosk-reader provision --serial KR2400001 --language zh-CN --beeper on --port /dev/ttyACM0
  kiosk-reader provision --serial KR2400001 --all
  kiosk-reader provision --exchange-limit 120 --port /dev/ttyACM0
`;

interface OutputOptions {
  json?: boolean;
}

function withTargetOptions(c: Command): Command {
  return c
    .option('--port <path>', 'a serial reader; repeatable', collect, [])
    .option('--all', 'every reader found on the serial ports (USB ID 1209:0001)')
    .addOption(
      new Option('--all-sim <n>', 'N simulated readers in this process').argParser(
        integer('all-sim', 1, 16),
      ),
    )
    .option('--factory-image <image>', 'with --all-sim: the signed image the readers run first')
    .option('--boot-key <public.pem>', 'with --all-sim: the key built into their boot stage')
    .addOption(
      new Option('--seed <n>', 'with --all-sim: seed of every random choice')
        .default(1)
        .argParser(integer('seed', 0, 0xffffffff)),
    )
    .option('--realtime', 'with --all-sim: follow the wall clock (default: virtual time)')
    .addOption(
      new Option('--wait <ms>', 'how long to wait for the readers')
        .default(5000)
        .argParser(integer('wait', 0, 3_600_000)),
    )
    .option('--json', 'print the report as JSON');
}

/**
 * Adds `fw` and `provision` to `program`. `defer` receives what the chosen command does (run()
 * awaits it and turns its errors into messages and exit codes).
 */
export function addFirmwareCommands(
  program: Command,
  io: CliIo,
  defer: (body: () => Promise<number>) => void,
): void {
  const print = (out: CommandOutput, json: boolean | undefined): number => {
    io.stdout(json ? `${JSON.stringify(out.json, null, 2)}\n` : `${out.text}\n`);
    return out.exitCode;
  };
  const now = (f: () => CommandOutput, json?: boolean) => defer(async () => print(f(), json));

  const fw = program
    .command('fw')
    .description('firmware images: keys, signing, checking, flashing readers')
    .addHelpText('after', FW_HELP);

  fw.command('keygen')
    .description('make an Ed25519 signing key pair: <base>.pem (mode 600) and <base>.pub.pem')
    .argument('<base>', 'path and name of the key files, without .pem')
    .option('--force', 'replace existing key files')
    .option('--json', 'print JSON')
    .action((out: string, o: { force?: boolean } & OutputOptions) =>
      now(() => fwKeygen({ out, force: o.force }), o.json),
    );

  fw.command('sign')
    .description('sign firmware.wasm into an image (IMAGE.md)')
    .argument('<firmware.wasm>', 'the WebAssembly payload')
    .requiredOption('--key <private.pem>', 'the signing key (fw keygen)')
    .requiredOption('--version <version>', 'major.minor.revision[+build]')
    .option('--security-counter <n>', 'rollback floor the readers raise to once confirmed', '0')
    .requiredOption('-o, --output <image>', 'where to write the image')
    .option('--fail-self-test', 'test builds: the firmware fails its self-test on trial')
    .option('--json', 'print JSON')
    .action(
      (
        input: string,
        o: {
          key: string;
          version: string;
          securityCounter: string;
          output: string;
          failSelfTest?: boolean;
        } & OutputOptions,
      ) => now(() => fwSign({ input, ...o }), o.json),
    );

  fw.command('verify')
    .description('check an image as a reader boot stage does; exit 1 when refused')
    .argument('<image>', 'the signed image')
    .option('--key <public.pem>', 'a public key the readers trust; repeatable', collect, [])
    .option('--min-security-counter <n>', "refuse images below the readers' security counter")
    .option('--json', 'print JSON')
    .action((image: string, o: { key: string[]; minSecurityCounter?: string } & OutputOptions) =>
      now(() => fwVerify({ image, keys: o.key, minSecurityCounter: o.minSecurityCounter }), o.json),
    );

  fw.command('info')
    .description('what an image says about itself (nothing verified)')
    .argument('<image>', 'the image')
    .option('--json', 'print JSON')
    .action((image: string, o: OutputOptions) => now(() => fwInfo({ image }), o.json));

  withTargetOptions(
    fw
      .command('flash')
      .description('update readers with a signed image, with progress and a per-reader report')
      .argument('<image>', 'the signed image')
      .option('--key <public.pem>', 'a public key the readers trust; repeatable', collect, [])
      .option('--allow-downgrade', 'flash an older version (the security counter still decides)')
      .option('--force', 'flash even a reader that already runs this version')
      .option('--min-security-counter <n>', "refuse images below the readers' security counter")
      .option('--no-progress', 'no progress bars on stderr')
      .addHelpText('after', FLASH_HELP),
  ).action(
    (
      image: string,
      o: TargetOptions & {
        key: string[];
        allowDowngrade?: boolean;
        force?: boolean;
        minSecurityCounter?: string;
        progress: boolean;
        json?: boolean;
      },
    ) =>
      defer(async () => {
        // Options and files first: a bad image is refused before any reader is opened.
        const flash = { image, keys: o.key, ...o };
        fwFlashCheck(flash);
        const opened = await openTargets(o, io, {
          defaultBootKey: o.key[0],
          needFactoryImage: true,
        });
        try {
          const out = await fwFlash(flash, opened.targets, {
            clock: opened.clock,
            progress: o.progress ? progressStream(io) : false,
            signal: io.signal,
          });
          return print(out, o.json);
        } finally {
          await opened.close();
        }
      }),
  );

  withTargetOptions(
    program
      .command('provision')
      .description("write readers' serial number and settings into their configuration area")
      .option('--serial <serial>', 'serial number (1-32 printable ASCII characters)')
      .option('--language <lang>', 'zh-CN, en or a LANGID such as 0x0804')
      .option('--beeper <on|off>', 'the beeper')
      .option('--pin-timeout <s>', 'default PIN entry timeout, seconds (1-255)')
      .option('--time-extension <ms>', 'time extension interval, ms (100-10000)')
      .option(
        '--exchange-limit <s>',
        `whole-exchange limit of a card command, seconds (${EXCHANGE_LIMIT_MIN_S}-${EXCHANGE_LIMIT_MAX_S})`,
      )
      .addHelpText('after', PROVISION_HELP),
  ).action(
    (
      o: TargetOptions & {
        serial?: string;
        language?: string;
        beeper?: string;
        pinTimeout?: string;
        timeExtension?: string;
        exchangeLimit?: string;
        json?: boolean;
      },
    ) =>
      defer(async () => {
        const opened = await openTargets(o, io, { needFactoryImage: false });
        try {
          const out = await fwProvision(o, opened.targets, {
            clock: opened.clock,
            signal: io.signal,
          });
          return print(out, o.json);
        } finally {
          await opened.close();
        }
      }),
  );
}

/** The progress bars' stream: the terminal's stderr, or lines through io.stderr (tests, pipes). */
function progressStream(io: CliIo): NodeJS.WritableStream {
  if (io.progress) return io.progress;
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      io.stderr(chunk.toString());
      done();
    },
  });
}
