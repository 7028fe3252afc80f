// The firmware commands as the CLI calls them (host/cli wires them): `fw keygen | sign | verify |
// info`, `fw flash`, `provision`. Each returns what to print (text, or JSON with --json) and the
// exit code; bad input throws a typed error (FirmwareToolError, ImageError, KeyError) whose
// message is the one line to print (describeError).
import { writeFileSync } from 'node:fs';
import type { Clock } from '../clock.ts';
import { ImageFlag } from '../../protocol/image/image-constants.ts';
import { ImageError, KeyError } from '../../protocol/image/image-error.ts';
import { keyIdOf, loadPublicKey } from '../../protocol/image/keys.ts';
import { parseImage, parseVersion } from '../../protocol/image/image.ts';
import { signImage } from '../../protocol/image/sign.ts';
import { verifyImage } from '../../protocol/image/verify.ts';
import { FirmwareToolError } from './errors.ts';
import { checkImage, flashAll, formatFlashReport } from './flash-all.ts';
import { formatImageInfo, imageInfo } from './image-info.ts';
import { keygen, readImageFile, readPrivateKeyFile, readPublicKeyFile } from './key-files.ts';
import { progressView } from './progress-view.ts';
import { formatProvisionReports, nthSerial, parseSettings, provisionReader } from './provision.ts';
import type { UpdateTarget } from './target.ts';

export interface CommandOutput {
  text: string;
  json: unknown;
  /** 0 ok; 1 the check or an update failed. */
  exitCode: number;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function u32Option(name: string, text: string | undefined, fallback?: number): number {
  if (text === undefined) {
    if (fallback === undefined) throw new FirmwareToolError('bad-option', `${name} is required`);
    return fallback;
  }
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n > 0xffffffff)
    throw new FirmwareToolError('bad-option', `${name} ${text}: an integer 0..4294967295`);
  return n;
}

/** `fw keygen <base>`: <base>.pem (private, mode 0600) and <base>.pub.pem. */
export function fwKeygen(o: { out: string; force?: boolean }): CommandOutput {
  const r = keygen(o.out, { force: o.force });
  return {
    text: `private key ${r.privateKeyPath} (mode 600: keep it off the repository)\npublic key  ${r.publicKeyPath}\nkey id      ${r.keyId}`,
    json: r,
    exitCode: 0,
  };
}

/** `fw sign <firmware.wasm> --key <private.pem> --version 1.2.3[+build] --security-counter N -o <image>`. */
export function fwSign(o: {
  input: string;
  key: string;
  version: string;
  securityCounter?: string;
  output: string;
  failSelfTest?: boolean;
}): CommandOutput {
  let version;
  try {
    version = parseVersion(o.version);
  } catch (e) {
    throw new FirmwareToolError('bad-option', `--version: ${(e as Error).message}`);
  }
  const securityCounter = u32Option('--security-counter', o.securityCounter, 0);
  const payload = readImageFile(o.input);
  const key = readPrivateKeyFile(o.key);
  const image = signImage(
    { payload, version, securityCounter, flags: o.failSelfTest ? ImageFlag.SelfTestFail : 0 },
    key,
  );
  try {
    writeFileSync(o.output, image);
  } catch (e) {
    throw new FirmwareToolError('file', `cannot write ${o.output}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const info = imageInfo(image);
  return {
    text: `signed ${o.output}\n${formatImageInfo(info)}`,
    json: { output: o.output, ...info },
    exitCode: 0,
  };
}

/** `fw verify <image> --key <public.pem>… [--min-security-counter N]`: exit 1 when refused. */
export function fwVerify(o: {
  image: string;
  keys: string[];
  minSecurityCounter?: string;
}): CommandOutput {
  if (o.keys.length === 0)
    throw new FirmwareToolError('bad-option', '--key: give the public key(s) the readers trust');
  const keys = o.keys.map(readPublicKeyFile);
  const bytes = readImageFile(o.image);
  const floor =
    o.minSecurityCounter === undefined
      ? undefined
      : u32Option('--min-security-counter', o.minSecurityCounter);
  try {
    const v = verifyImage(bytes, keys, { minSecurityCounter: floor });
    const info = { ...imageInfo(bytes, v), verifiedWith: hex(keyIdOf(loadPublicKey(v.publicKey))) };
    return { text: `OK\n${formatImageInfo(info)}`, json: { ok: true, ...info }, exitCode: 0 };
  } catch (e) {
    if (!(e instanceof ImageError)) throw e;
    return {
      text: `REFUSED (${e.code}): ${e.message}`,
      json: { ok: false, error: { code: e.code, message: e.message } },
      exitCode: 1,
    };
  }
}

/** `fw info <image>`: what the header and TLVs say (no key needed, nothing verified). */
export function fwInfo(o: { image: string }): CommandOutput {
  const bytes = readImageFile(o.image);
  const info = imageInfo(bytes, parseImage(bytes));
  return { text: formatImageInfo(info), json: info, exitCode: 0 };
}

export interface DeviceCommandEnv {
  clock: Clock;
  /** Where the progress bars go (default stderr); false for none. */
  progress?: NodeJS.WritableStream | false;
  signal?: AbortSignal;
}

/**
 * What `fw flash` checks before any reader is involved: the options, the files, and the image
 * itself (FirmwareToolError 'image-refused' for unsigned, tampered, wrong-key images and, given
 * a floor, rollback). The CLI calls it before it opens readers; fwFlash calls it again.
 */
export function fwFlashCheck(o: { image: string; keys: string[]; minSecurityCounter?: string }) {
  if (o.keys.length === 0)
    throw new FirmwareToolError('bad-option', '--key: give the public key(s) the readers trust');
  const trustedKeys = o.keys.map(readPublicKeyFile);
  const bytes = readImageFile(o.image);
  const floor =
    o.minSecurityCounter === undefined
      ? undefined
      : u32Option('--min-security-counter', o.minSecurityCounter);
  checkImage(bytes, trustedKeys, floor);
  return { trustedKeys, bytes, floor };
}

/** `fw flash <image> --key <public.pem>… [--port … | --all | --all-sim N]`: the CLI opens the targets. */
export async function fwFlash(
  o: {
    image: string;
    keys: string[];
    allowDowngrade?: boolean;
    force?: boolean;
    minSecurityCounter?: string;
  },
  targets: readonly UpdateTarget[],
  env: DeviceCommandEnv,
): Promise<CommandOutput> {
  const { trustedKeys, bytes, floor } = fwFlashCheck(o);
  const stream = env.progress === false ? undefined : (env.progress ?? process.stderr);
  // Not a terminal (a pipe, a log): cli-progress then writes the bars as lines now and then.
  const view = stream
    ? progressView(stream, { noTTYOutput: !(stream as { isTTY?: boolean }).isTTY })
    : undefined;
  try {
    const report = await flashAll(targets, bytes, {
      clock: env.clock,
      trustedKeys,
      minSecurityCounter: floor,
      allowDowngrade: o.allowDowngrade,
      force: o.force,
      signal: env.signal,
      onProgress: view ? (p) => view.update(p) : undefined,
    });
    return { text: formatFlashReport(report), json: report, exitCode: report.ok ? 0 : 1 };
  } finally {
    view?.stop();
  }
}

/**
 * `provision --serial KR2400001 [--language zh-CN|en|0x0804] [--beeper on|off] [--pin-timeout s]
 * [--time-extension ms] [--exchange-limit s]`; with several readers the serial's trailing digits
 * count up.
 */
export async function fwProvision(
  o: {
    serial?: string;
    language?: string;
    beeper?: string;
    pinTimeout?: string;
    timeExtension?: string;
    exchangeLimit?: string;
  },
  targets: readonly UpdateTarget[],
  env: DeviceCommandEnv,
): Promise<CommandOutput> {
  if (targets.length === 0) throw new FirmwareToolError('bad-option', 'no reader to provision');
  const base = parseSettings(o);
  const settings = targets.map((_, i) =>
    o.serial !== undefined && targets.length > 1
      ? { ...base, serialNumber: nthSerial(o.serial, i) }
      : base,
  );
  const reports = await Promise.all(
    targets.map((t, i) =>
      provisionReader(t, settings[i], { clock: env.clock, signal: env.signal }),
    ),
  );
  return {
    text: formatProvisionReports(reports),
    json: { readers: reports, ok: reports.every((r) => r.ok) },
    exitCode: reports.every((r) => r.ok) ? 0 : 1,
  };
}

/** The one line to print for an error these commands throw, and its exit code (2: bad input). */
export function describeError(e: unknown): { message: string; exitCode: number } | undefined {
  if (e instanceof FirmwareToolError)
    return { message: `${e.code}: ${e.message}`, exitCode: e.code === 'image-refused' ? 1 : 2 };
  if (e instanceof ImageError) return { message: `image ${e.code}: ${e.message}`, exitCode: 1 };
  if (e instanceof KeyError) return { message: `key ${e.code}: ${e.message}`, exitCode: 2 };
  return undefined;
}
