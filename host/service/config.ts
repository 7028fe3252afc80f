// The service's configuration: a JSON file (`--config <file>`) merged with the command line.
// Every field is checked here, so a bad file stops the service at start with one clear message
// naming the field, never later with a crash.
import { readFile } from 'node:fs/promises';
import { powerOnTimeoutMs } from '../ccid/card-timeouts.ts';
import { maxExchangeTime } from '../reader/slot.ts';

/** The port the service listens on when neither the config nor `--port` names one. */
export const DEFAULT_PORT = 17600;

/** A local program or web application allowed to call the API. */
export interface ApplicationConfig {
  /** Names the application in logs, metrics and events. */
  readonly id: string;
  /** Bearer token (at least 16 characters). */
  readonly token: string;
  /** Web origins it may call from (`http://localhost:8080`); none for a local program. */
  readonly origins: readonly string[];
  /** Whether it may send raw APDUs (PIN-bearing commands are refused even then). */
  readonly rawApdu: boolean;
}

export interface ServiceLimits {
  /** Largest request body in bytes (413 beyond). */
  readonly bodyBytes: number;
  /** PIN operations (verify, change, iVerifyPIN, iChangePIN) per client and minute (429 beyond). */
  readonly pinPerMinute: number;
  /** Idle time after which an exclusive session ends, unless the request asks for less. */
  readonly sessionTimeoutMs: number;
  /** The longest idle timeout a session may ask for. */
  readonly maxSessionTimeoutMs: number;
  /** The longest a request may wait for an exclusive session held by another client. */
  readonly maxWaitMs: number;
  /** WebSocket clients at once. */
  readonly maxClients: number;
  /** Raw APDUs in one request. */
  readonly maxApdus: number;
  /**
   * The longest a card operation may take from its arrival, waiting for the reader included:
   * 504 operation-timeout beyond, the operation is stopped and the reader freed.
   */
  readonly operationMs: number;
  /** What each PIN typed on the keypad adds to an operation's deadline (a change has three). */
  readonly pinEntryMs: number;
  /** Operations waiting for one reader (503 reader-queue-full beyond). */
  readonly maxQueued: number;
  /** Requests waiting for one reader's exclusive session (503 too-many-waiters beyond). */
  readonly maxSessionWaiters: number;
  /**
   * How long iReadCardBas_HSM_Step1 keeps the reader for its caller, waiting for Step2 (the HSM's
   * round trip): another application's operation in between would replace the card's challenge.
   */
  readonly hsmStepMs: number;
}

/**
 * The default deadline of a card operation, from the driver's own bounds: a power-on at the
 * longest the driver waits for one (host/ccid/card-timeouts: the ATR's ISO 7816-3 limits, twice,
 * ≈ 62 s) plus one exchange at the longest time extensions may stretch it (host/reader/slot:
 * the reader's whole-exchange limit, 60 s by default, + 3 s) — about two minutes, so the driver's
 * own typed error (card-mute, timeout) comes first whenever one of its bounds is what ends it. A
 * working reader finishes a read in well under a second; the deadline is for one that does not.
 */
export const DEFAULT_OPERATION_MS = powerOnTimeoutMs() + maxExchangeTime(undefined);

/** The reader's wait for the first key of a PIN when a request leaves it to the reader. */
export const PIN_FIRST_KEY_DEFAULT_S = 30;
/**
 * One PIN on the reader's keypad at its longest without corrections (firmware/src/pin/
 * pin-constants.ts): the first key within the reader's default 30 s, then the other 15 of at most
 * 16 digits and Enter, each within 15 s of the one before — 4½ minutes. A request that asks for a
 * longer first-key wait (timeoutSeconds) gets the difference on top.
 */
export const DEFAULT_PIN_ENTRY_MS = (PIN_FIRST_KEY_DEFAULT_S + 16 * 15) * 1000;

export const DEFAULT_LIMITS: ServiceLimits = {
  bodyBytes: 16 * 1024,
  pinPerMinute: 6,
  sessionTimeoutMs: 30_000,
  maxSessionTimeoutMs: 300_000,
  maxWaitMs: 60_000,
  maxClients: 64,
  maxApdus: 32,
  operationMs: DEFAULT_OPERATION_MS,
  pinEntryMs: DEFAULT_PIN_ENTRY_MS,
  maxQueued: 16,
  maxSessionWaiters: 32,
  hsmStepMs: 15_000,
};

export interface SimulatorConfig {
  /** Card in the user slot at start ('' for none): a simulator card spec. */
  readonly card: string;
  /** Card in the first SAM slot ('' for none). */
  readonly sam: string;
  readonly seed: number;
}

export const DEFAULT_SIMULATOR: SimulatorConfig = { card: 'ssc3:li-na', sam: 'psam', seed: 1 };

export interface ServiceConfig {
  readonly port: number;
  /** Serial ports of readers, opened at start (and reopened after an unplug). */
  readonly serialPorts: readonly string[];
  /** Also look for readers among the serial ports by their USB IDs. */
  readonly discover: boolean;
  /** 'auto': the embedded simulated reader when no reader is attached; 'on'; 'off'. */
  readonly simulator: 'auto' | 'on' | 'off';
  readonly sim: SimulatorConfig;
  readonly applications: readonly ApplicationConfig[];
  readonly limits: ServiceLimits;
  /** 终端设备号 (iReadCardBas field 11). */
  readonly terminalDeviceNumber: string;
}

export const DEFAULT_CONFIG: ServiceConfig = {
  port: DEFAULT_PORT,
  serialPorts: [],
  discover: true,
  simulator: 'auto',
  sim: DEFAULT_SIMULATOR,
  applications: [],
  limits: DEFAULT_LIMITS,
  terminalDeviceNumber: '',
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly configError = true;
  constructor(
    /** Where: `limits.pinPerMinute`, `applications[1].token`, or the file. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function only(obj: Json, where: string, keys: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!keys.includes(k))
      throw new ConfigError(
        where ? `${where}.${k}` : k,
        `unknown setting (known: ${keys.join(', ')})`,
      );
  }
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new ConfigError(field, `must be an integer ${min}..${max}, got ${JSON.stringify(v)}`);
  return v;
}

function str(v: unknown, field: string, pattern?: RegExp, what?: string): string {
  if (typeof v !== 'string') throw new ConfigError(field, `must be a string, got ${typeof v}`);
  if (pattern && !pattern.test(v)) throw new ConfigError(field, what ?? `bad value`);
  return v;
}

function origin(v: unknown, field: string): string {
  const s = str(v, field);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new ConfigError(field, `not an origin: ${JSON.stringify(s)}`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== s)
    throw new ConfigError(
      field,
      `an origin is scheme://host[:port] with nothing after it, e.g. "http://localhost:8080"; got ${JSON.stringify(s)}`,
    );
  return s;
}

function application(v: unknown, i: number): ApplicationConfig {
  const where = `applications[${i}]`;
  if (!isObject(v)) throw new ConfigError(where, 'must be an object');
  only(v, where, ['id', 'token', 'origins', 'rawApdu']);
  const id = str(
    v.id,
    `${where}.id`,
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'letters, digits, . _ - (1 to 64, not starting with a sign)',
  );
  if (id === 'kiosk-page' || id === 'reader-panel')
    throw new ConfigError(`${where}.id`, `"${id}" is the service's own page`);
  const token = str(
    v.token,
    `${where}.token`,
    /^[\x21-\x7e]{16,256}$/,
    'at least 16 printable ASCII characters without spaces',
  );
  const origins = v.origins === undefined ? [] : v.origins;
  if (!Array.isArray(origins)) throw new ConfigError(`${where}.origins`, 'must be a list');
  const rawApdu = v.rawApdu ?? false;
  if (typeof rawApdu !== 'boolean')
    throw new ConfigError(`${where}.rawApdu`, 'must be true or false');
  return {
    id,
    token,
    origins: origins.map((o, j) => origin(o, `${where}.origins[${j}]`)),
    rawApdu,
  };
}

function limits(v: unknown): ServiceLimits {
  if (v === undefined) return DEFAULT_LIMITS;
  if (!isObject(v)) throw new ConfigError('limits', 'must be an object');
  only(v, 'limits', Object.keys(DEFAULT_LIMITS));
  const get = (k: keyof ServiceLimits, min: number, max: number): number =>
    v[k] === undefined ? DEFAULT_LIMITS[k] : int(v[k], `limits.${k}`, min, max);
  const l: ServiceLimits = {
    bodyBytes: get('bodyBytes', 256, 1024 * 1024),
    pinPerMinute: get('pinPerMinute', 1, 120),
    sessionTimeoutMs: get('sessionTimeoutMs', 100, 3_600_000),
    maxSessionTimeoutMs: get('maxSessionTimeoutMs', 100, 3_600_000),
    maxWaitMs: get('maxWaitMs', 0, 3_600_000),
    maxClients: get('maxClients', 1, 10_000),
    maxApdus: get('maxApdus', 1, 1000),
    operationMs: get('operationMs', 1000, 3_600_000),
    pinEntryMs: get('pinEntryMs', 1000, 3_600_000),
    maxQueued: get('maxQueued', 0, 1000),
    maxSessionWaiters: get('maxSessionWaiters', 0, 10_000),
    hsmStepMs: get('hsmStepMs', 100, 600_000),
  };
  if (l.sessionTimeoutMs > l.maxSessionTimeoutMs)
    throw new ConfigError('limits.sessionTimeoutMs', 'must not exceed limits.maxSessionTimeoutMs');
  return l;
}

function simulator(v: unknown): SimulatorConfig {
  if (v === undefined) return DEFAULT_SIMULATOR;
  if (!isObject(v)) throw new ConfigError('sim', 'must be an object');
  only(v, 'sim', ['card', 'sam', 'seed']);
  return {
    card: v.card === undefined ? DEFAULT_SIMULATOR.card : str(v.card, 'sim.card'),
    sam: v.sam === undefined ? DEFAULT_SIMULATOR.sam : str(v.sam, 'sim.sam'),
    seed: v.seed === undefined ? DEFAULT_SIMULATOR.seed : int(v.seed, 'sim.seed', 0, 2 ** 31 - 1),
  };
}

/** Checks a parsed config object; throws ConfigError naming the first bad field. */
export function parseConfig(value: unknown): ServiceConfig {
  if (!isObject(value)) throw new ConfigError('config', 'must be a JSON object');
  only(value, '', [
    'port',
    'serialPorts',
    'discover',
    'simulator',
    'sim',
    'applications',
    'limits',
    'terminalDeviceNumber',
  ]);
  const serialPorts = value.serialPorts ?? [];
  if (!Array.isArray(serialPorts)) throw new ConfigError('serialPorts', 'must be a list of paths');
  const apps = value.applications ?? [];
  if (!Array.isArray(apps)) throw new ConfigError('applications', 'must be a list');
  const applications = apps.map(application);
  const seen = new Set<string>();
  applications.forEach((a, i) => {
    if (seen.has(a.id)) throw new ConfigError(`applications[${i}].id`, `"${a.id}" appears twice`);
    seen.add(a.id);
  });
  const tokens = new Set<string>();
  applications.forEach((a, i) => {
    if (tokens.has(a.token))
      throw new ConfigError(`applications[${i}].token`, 'two applications share one token');
    tokens.add(a.token);
  });
  const discover = value.discover ?? DEFAULT_CONFIG.discover;
  if (typeof discover !== 'boolean') throw new ConfigError('discover', 'must be true or false');
  const sim = value.simulator ?? DEFAULT_CONFIG.simulator;
  if (sim !== 'auto' && sim !== 'on' && sim !== 'off')
    throw new ConfigError('simulator', `must be "auto", "on" or "off", got ${JSON.stringify(sim)}`);
  return {
    port: value.port === undefined ? DEFAULT_PORT : int(value.port, 'port', 0, 65535),
    serialPorts: serialPorts.map((p, i) => str(p, `serialPorts[${i}]`, /^\S+$/, 'a device path')),
    discover,
    simulator: sim,
    sim: simulator(value.sim),
    applications,
    limits: limits(value.limits),
    terminalDeviceNumber:
      value.terminalDeviceNumber === undefined
        ? ''
        : str(
            value.terminalDeviceNumber,
            'terminalDeviceNumber',
            /^[\x20-\x7b\x7d-\x7e]{0,32}$/,
            'up to 32 printable characters without |',
          ),
  };
}

/** Reads and checks a config file. */
export async function loadConfig(path: string): Promise<ServiceConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, `cannot read the config file (${(e as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, `not valid JSON (${(e as Error).message})`);
  }
  return parseConfig(value);
}
