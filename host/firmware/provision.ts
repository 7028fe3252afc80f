// `provision`: write a reader's serial number and settings into its configuration area
// (ConfigWrite), then read them back (ConfigRead answers only once they are in flash,
// firmware/FLASH.md "Configuration area") and compare.
import { sleep, type Clock } from '../clock.ts';
import {
  ConfigTag,
  EXCHANGE_LIMIT_MAX_S,
  EXCHANGE_LIMIT_MIN_S,
  VendorCommand,
  VendorStatus,
} from '../../protocol/native-constants.ts';
import type { ReaderConfig } from '../../protocol/native/device-info.ts';
import { FirmwareToolError } from './errors.ts';
import { exchange, LinkLostError, statusName, type UpdateTarget } from './target.ts';

export interface ProvisionReport {
  reader: string;
  ok: boolean;
  written: ReaderConfig;
  readBack?: ReaderConfig;
  error?: { code: string; message: string };
}

const LANGUAGES: Record<string, number> = {
  'zh-cn': 0x0804,
  zh: 0x0804,
  en: 0x0409,
  'en-us': 0x0409,
};

/** Settings from command-line text; throws FirmwareToolError('bad-option'). */
export function parseSettings(o: {
  serial?: string;
  language?: string;
  beeper?: string;
  pinTimeout?: string;
  timeExtension?: string;
  exchangeLimit?: string;
}): ReaderConfig {
  const config: ReaderConfig = {};
  const bad = (what: string, why: string) => new FirmwareToolError('bad-option', `${what}: ${why}`);
  if (o.serial !== undefined) {
    if (!/^[\x20-\x7e]{1,32}$/.test(o.serial))
      throw bad('--serial', 'use 1 to 32 printable ASCII characters');
    config.serialNumber = o.serial;
  }
  if (o.language !== undefined) {
    const l =
      LANGUAGES[o.language.toLowerCase()] ??
      (/^0x[0-9a-f]{1,4}$/i.test(o.language) ? Number(o.language) : undefined);
    if (l === undefined) throw bad('--language', 'use zh-CN, en or a LANGID such as 0x0804');
    config.language = l;
  }
  if (o.beeper !== undefined) {
    if (!['on', 'off'].includes(o.beeper)) throw bad('--beeper', 'use on or off');
    config.beeper = o.beeper === 'on';
  }
  if (o.pinTimeout !== undefined) {
    const s = Number(o.pinTimeout);
    if (!Number.isInteger(s) || s < 1 || s > 255) throw bad('--pin-timeout', 'seconds, 1 to 255');
    config.pinTimeout = s;
  }
  if (o.timeExtension !== undefined) {
    const ms = Number(o.timeExtension);
    if (!Number.isInteger(ms) || ms < 100 || ms > 10000)
      throw bad('--time-extension', 'milliseconds, 100 to 10000');
    config.timeExtensionInterval = ms;
  }
  if (o.exchangeLimit !== undefined) {
    // Whole seconds only: Number('') is 0 and Number('1e1') is 10, so the text is checked too.
    const s = /^\d+$/.test(o.exchangeLimit) ? Number(o.exchangeLimit) : NaN;
    if (!Number.isInteger(s) || s < EXCHANGE_LIMIT_MIN_S || s > EXCHANGE_LIMIT_MAX_S)
      throw bad(
        '--exchange-limit',
        `seconds, ${EXCHANGE_LIMIT_MIN_S} to ${EXCHANGE_LIMIT_MAX_S} (the whole-exchange limit)`,
      );
    config.exchangeLimit = s;
  }
  if (Object.keys(config).length === 0)
    throw bad(
      'provision',
      'nothing to write (give --serial, --language, --beeper, --pin-timeout, --time-extension or --exchange-limit)',
    );
  return config;
}

/** The i-th serial number of a run that starts at `first`: its trailing digits count up. */
export function nthSerial(first: string, i: number): string {
  const m = /^(.*?)(\d+)$/.exec(first);
  if (!m)
    throw new FirmwareToolError(
      'bad-option',
      `--serial ${first}: must end in digits to number several readers`,
    );
  const n = (BigInt(m[2]) + BigInt(i)).toString().padStart(m[2].length, '0');
  if (n.length > m[2].length)
    throw new FirmwareToolError(
      'bad-option',
      `--serial ${first}: the digits run out at reader ${i + 1}`,
    );
  return m[1] + n;
}

export interface ProvisionOptions {
  clock: Clock;
  busyRetryMs?: number;
  busyLimitMs?: number;
  signal?: AbortSignal;
}

export async function provisionReader(
  target: UpdateTarget,
  config: ReaderConfig,
  options: ProvisionOptions,
): Promise<ProvisionReport> {
  const o = target.clock ? { ...options, clock: target.clock } : options;
  const report: ProvisionReport = { reader: target.name, ok: false, written: config };
  try {
    const w = await untilNotBusy(o, target, () =>
      exchange(target, { command: VendorCommand.ConfigWrite, config }, o.signal),
    );
    if (w.status !== VendorStatus.Ok)
      throw new FirmwareToolError(
        'reader-refused',
        `${target.name}: ConfigWrite answered ${statusName(w.status)}`,
        { vendorStatus: w.status },
      );
    const tags = [
      ConfigTag.SerialNumber,
      ConfigTag.Language,
      ConfigTag.Beeper,
      ConfigTag.PinTimeout,
      ConfigTag.TimeExtensionInterval,
      // Asked for only when written: firmware older than the tag may not know it.
      ...(config.exchangeLimit !== undefined ? [ConfigTag.ExchangeLimit] : []),
    ];
    const r = await untilNotBusy(o, target, () =>
      exchange(target, { command: VendorCommand.ConfigRead, tags }, o.signal),
    );
    if (r.status !== VendorStatus.Ok)
      throw new FirmwareToolError(
        'reader-refused',
        `${target.name}: ConfigRead answered ${statusName(r.status)} (the settings did not reach flash)`,
        {
          vendorStatus: r.status,
        },
      );
    report.readBack = r.config;
    const wrong = (Object.keys(config) as (keyof ReaderConfig)[]).filter(
      (k) => k !== 'other' && r.config[k] !== config[k],
    );
    if (wrong.length)
      throw new FirmwareToolError(
        'protocol',
        `${target.name}: read back differs in ${wrong.join(', ')}`,
      );
    report.ok = true;
  } catch (e) {
    const code =
      e instanceof FirmwareToolError ? e.code : e instanceof LinkLostError ? 'link' : 'error';
    report.error = { code, message: (e as Error).message };
  }
  return report;
}

async function untilNotBusy<T extends { status: VendorStatus }>(
  o: ProvisionOptions,
  target: UpdateTarget,
  send: () => Promise<T>,
): Promise<T> {
  const started = o.clock.now();
  for (;;) {
    const r = await send();
    if (r.status !== VendorStatus.Busy) return r;
    if (o.clock.now() - started > (o.busyLimitMs ?? 10_000))
      throw new FirmwareToolError('busy-timeout', `${target.name} stayed busy`);
    await sleep(o.clock, o.busyRetryMs ?? 10, o.signal);
  }
}

export function formatProvisionReports(reports: readonly ProvisionReport[]): string {
  return reports
    .map((r) =>
      r.ok
        ? `${r.reader.padEnd(20)} provisioned ${Object.entries(r.readBack ?? {})
            .filter(([k]) => k !== 'other')
            .map(
              ([k, v]) =>
                `${k}=${typeof v === 'number' && k === 'language' ? `0x${v.toString(16).padStart(4, '0')}` : v}`,
            )
            .join(' ')}`
        : `${r.reader.padEnd(20)} FAILED (${r.error?.code}): ${r.error?.message}`,
    )
    .join('\n');
}
