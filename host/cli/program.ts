// The `kiosk-reader` command line (bin/kiosk-reader.js and `npm run cli -- …`), on commander.
// run() parses, runs one command and returns the exit code; it never calls process.exit, so
// tests run it in process.
import { Command, CommanderError, Option } from 'commander';
import { isCardError } from '../cards/card-error.ts';
import { isReaderError } from '../ccid/errors.ts';
import { describeError as describeFirmwareError } from '../firmware/commands.ts';
import { isTransportError } from '../transport/transport-error.ts';
import {
  apduCommand,
  bankRead,
  healthRead,
  parseApdus,
  readersCommand,
  sscRead,
  watchCommand,
  type Format,
} from './commands.ts';
import { addFirmwareCommands } from './fw-program.ts';
import { ExitCode, UsageError, type CliIo } from './io.ts';
import { collect, integer } from './options.ts';
import {
  NoReaderError,
  openSource,
  type ReaderSource,
  type SourceOptions,
} from './reader-source.ts';

const HELP_AFTER = `
Reader (readers, watch, ssc, health, bank, apdu):
  --port <path>      a serial reader (115200 8N2), e.g. /dev/ttyACM0 or a pseudo-terminal
  --sim              the embedded simulated reader (firmware.wasm and virtual cards)
    --card <spec>    its user card: ssc2, ssc3[:persona], ssc3-t1, health[:persona], atr:<hex>
                     (default ssc3; \`npm run sim -- --list-cards\` lists personas)
    --sam <spec>     a SAM in the next SAM slot (psam[:persona]); repeatable; default psam,
                     \`--sam none\` for none
  neither            serial ports whose USB ID is the reader's (1209:0001)

Output: --format json (UTF-8 JSON), national (the national interface string, ssc read only),
  text (readers, watch, apdu). --trace writes every CCID message to stderr (PIN data masked).

Exit status: 0 done; 1 the card or reader failed (the typed error is on stderr); 2 bad
  arguments; 3 no reader.

Firmware and provisioning: kiosk-reader fw --help, kiosk-reader provision --help.

Examples:
  kiosk-reader ssc read --sim --card ssc3:li-na --format national
  kiosk-reader readers --port /dev/ttyACM0
  kiosk-reader apdu --sim 00A404000F7378312E73682EC9E7BBE1B1A3D5CF 0084000004
  kiosk-reader watch --format json
`;

interface CommonOptions extends SourceOptions {
  format: Format;
}

function withReaderOptions(c: Command, formats: Format[], defaultFormat: Format): Command {
  return c
    .option('--port <path>', 'serial port of the reader')
    .option('--sim', 'use the embedded simulated reader')
    .option('--card <spec>', 'with --sim: the card in the user slot (default ssc3)')
    .option('--sam <spec>', 'with --sim: a SAM (slots 1, 2); repeatable', collect, [])
    .addOption(
      new Option('--seed <n>', 'with --sim: seed of every random choice')
        .default(1)
        .argParser(integer('seed', 0, 0xffffffff)),
    )
    .option('--realtime', 'with --sim: follow the wall clock')
    .addOption(
      new Option('--format <format>', 'output format').choices(formats).default(defaultFormat),
    )
    .option('--trace', 'print CCID messages on stderr (PIN data masked)')
    .addOption(
      new Option('--wait <ms>', 'how long to wait for a reader')
        .default(5000)
        .argParser(integer('wait', 0, 3_600_000)),
    );
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let pending: (() => Promise<number>) | undefined;
  const program = new Command()
    .name('kiosk-reader')
    .description(
      'Kiosk smart-card reader: list readers, watch card events, read the social security, health and bank applications, send APDUs; sign and flash firmware, provision readers.',
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .addHelpText('after', HELP_AFTER)
    .showHelpAfterError();

  const withSource =
    (realtime: boolean, body: (s: ReaderSource, o: CommonOptions) => Promise<number>) =>
    (o: CommonOptions) => {
      pending = async () => {
        const source = await openSource(o, io, realtime);
        try {
          return await body(source, o);
        } finally {
          await source.close();
        }
      };
    };

  withReaderOptions(
    program.command('readers').description('list readers, their profile and slots'),
    ['text', 'json'],
    'text',
  ).action(
    withSource(false, async (s, o) => {
      const found = await s.reader().catch((e: unknown) => e);
      await readersCommand(s.readers, io, o.format);
      if (found instanceof NoReaderError) {
        io.stderr(`error: ${found.message}\n`);
        return ExitCode.NoReader;
      }
      return ExitCode.Ok;
    }),
  );

  withReaderOptions(
    program.command('watch').description('print reader and card events until interrupted'),
    ['text', 'json'],
    'text',
  ).action(
    withSource(true, async (s, o) => {
      await watchCommand(s.readers, io, o.format);
      return ExitCode.Ok;
    }),
  );

  const ssc = program.command('ssc').description('social security card (社会保障卡)');
  withReaderOptions(
    ssc
      .command('read')
      .description('iReadCardBas: the basic information, card authenticated through the PSAM'),
    ['json', 'national'],
    'json',
  )
    .addOption(
      new Option('--itype <n>', 'iType: 1 contact, 3 automatic')
        .default(3)
        .argParser(integer('itype', 1, 4)),
    )
    .action(
      withSource(false, async (s, o) => {
        const ok = await sscRead(
          await s.reader(),
          io,
          o.format,
          (o as CommonOptions & { itype: number }).itype,
        );
        return ok ? ExitCode.Ok : ExitCode.Failed;
      }),
    );

  const health = program.command('health').description('resident health card (居民健康卡)');
  withReaderOptions(
    health.command('read').description('holder data, contacts and clinical summary'),
    ['json'],
    'json',
  ).action(
    withSource(false, async (s) => {
      await healthRead(await s.reader(), io);
      return ExitCode.Ok;
    }),
  );

  const bank = program.command('bank').description('the bank (PBOC/UnionPay) application');
  withReaderOptions(
    bank.command('read').description('card number, expiry and holder name'),
    ['json'],
    'json',
  ).action(
    withSource(false, async (s) => {
      await bankRead(await s.reader(), io);
      return ExitCode.Ok;
    }),
  );

  withReaderOptions(
    program
      .command('apdu')
      .description('send APDUs (hex) to a card, in one transaction')
      .argument('<hex...>', 'command APDUs'),
    ['text', 'json'],
    'text',
  )
    .addOption(new Option('--slot <n>', 'slot').default(0).argParser(integer('slot', 0, 255)))
    .action((hex: string[], o: CommonOptions & { slot: number }) => {
      const apdus = parseApdus(hex);
      withSource(false, async (s) => {
        await apduCommand(await s.reader(), io, o.format, o.slot, apdus);
        return ExitCode.Ok;
      })(o);
    });

  addFirmwareCommands(program, io, (body) => (pending = body));

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    if (e instanceof UsageError) {
      io.stderr(`error: ${e.message}\n`);
      return ExitCode.Usage;
    }
    throw e;
  }
  if (!pending) {
    io.stderr(program.helpInformation());
    return ExitCode.Usage;
  }
  try {
    return await pending();
  } catch (e) {
    return report(e, io);
  }
}

function report(e: unknown, io: CliIo): number {
  const firmware = describeFirmwareError(e);
  if (firmware) {
    io.stderr(`error: ${firmware.message}\n`);
    return firmware.exitCode;
  }
  if (e instanceof UsageError) {
    io.stderr(`error: ${e.message}\n`);
    return ExitCode.Usage;
  }
  if (e instanceof NoReaderError) {
    io.stderr(`error: ${e.message}\n`);
    return ExitCode.NoReader;
  }
  if (isReaderError(e) || isCardError(e) || isTransportError(e)) {
    const code = (e as { code: unknown }).code;
    io.stderr(`error: ${e.message} (${String(code)})\n`);
    return isTransportError(e) ? ExitCode.NoReader : ExitCode.Failed;
  }
  io.stderr(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  return ExitCode.Failed;
}
