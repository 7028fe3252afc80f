// Key files for `fw keygen` and the signing and verifying commands. The private key is written
// with mode 0600 and never over an existing file; nothing here ever holds a production key in the
// repository (tests generate theirs per run).
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import {
  generateSigningKeyPair,
  keyIdOf,
  loadPrivateKey,
  loadPublicKey,
} from '../../protocol/image/keys.ts';
import { FirmwareToolError } from './errors.ts';

export interface KeygenResult {
  privateKeyPath: string;
  publicKeyPath: string;
  keyId: string;
}

/** Writes `<base>.pem` (private, 0600) and `<base>.pub.pem` (public). */
export function keygen(base: string, options: { force?: boolean } = {}): KeygenResult {
  const privateKeyPath = `${base}.pem`;
  const publicKeyPath = `${base}.pub.pem`;
  for (const p of [privateKeyPath, publicKeyPath])
    if (existsSync(p) && !options.force)
      throw new FirmwareToolError(
        'file',
        `${p} exists; a key is never overwritten (remove it, or --force)`,
      );
  const pair = generateSigningKeyPair();
  try {
    // 'wx' would refuse an existing file; with --force the old one is replaced, still 0600.
    writeFileSync(privateKeyPath, pair.privateKeyPem, {
      mode: 0o600,
      flag: options.force ? 'w' : 'wx',
    });
    chmodSync(privateKeyPath, 0o600);
    writeFileSync(publicKeyPath, pair.publicKeyPem, {
      mode: 0o644,
      flag: options.force ? 'w' : 'wx',
    });
  } catch (e) {
    throw new FirmwareToolError('file', `cannot write the key files: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return {
    privateKeyPath,
    publicKeyPath,
    keyId: Buffer.from(keyIdOf(loadPublicKey(pair.publicKeyPem))).toString('hex'),
  };
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new FirmwareToolError(
      'file',
      `cannot read the ${what} ${path}: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/** A private key file; refuses one that others can read (as ssh does). */
export function readPrivateKeyFile(path: string): KeyObject {
  const key = loadPrivateKey(readText(path, 'private key'));
  const mode = statSync(path).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0)
    throw new FirmwareToolError(
      'file',
      `${path} is readable by others (mode ${mode.toString(8)}); chmod 600 it`,
    );
  return key;
}

/** A public key file (PEM), or a private key file whose public half is wanted. */
export function readPublicKeyFile(path: string): KeyObject {
  return loadPublicKey(readText(path, 'public key'));
}

export function readImageFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new FirmwareToolError('file', `cannot read the image ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}
