// Ed25519 keys for image signing (IMAGE.md): node:crypto does the maths; keys travel as PEM
// (PKCS#8 private, SPKI public, as openssl writes them) and the boot stage holds the raw 32-byte
// public key. The key id is the first KEY_ID_LENGTH bytes of SHA-256 of that raw key.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
} from 'node:crypto';
import { ED25519_PUBLIC_KEY_LENGTH, KEY_ID_LENGTH } from './image-constants.ts';
import { KeyError } from './image-error.ts';

export interface KeyPairPem {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

export function generateSigningKeyPair(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function requireEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519')
    throw new KeyError(
      'not-ed25519',
      `${what} is a ${key.asymmetricKeyType ?? 'symmetric'} key; images are signed with Ed25519`,
    );
  return key;
}

export function loadPrivateKey(pem: string | Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({
      key: typeof pem === 'string' ? pem : Buffer.from(pem),
      format: 'pem',
    });
  } catch (e) {
    throw new KeyError('bad-key', `not a PEM private key: ${(e as Error).message}`, { cause: e });
  }
  return requireEd25519(key, 'the private key');
}

/** A public key from PEM (SPKI, or a private key whose public half is wanted) or 32 raw bytes. */
export function loadPublicKey(key: string | Uint8Array | KeyObject): KeyObject {
  if (key instanceof KeyObject)
    return requireEd25519(key.type === 'private' ? createPublicKey(key) : key, 'the public key');
  if (key instanceof Uint8Array && key.length === ED25519_PUBLIC_KEY_LENGTH)
    return publicKeyFromRaw(key);
  let k: KeyObject;
  try {
    k = createPublicKey({ key: typeof key === 'string' ? key : Buffer.from(key), format: 'pem' });
  } catch (e) {
    throw new KeyError('bad-key', `not a PEM public key: ${(e as Error).message}`, { cause: e });
  }
  return requireEd25519(k, 'the public key');
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== ED25519_PUBLIC_KEY_LENGTH)
    throw new KeyError(
      'bad-key',
      `a raw Ed25519 public key is ${ED25519_PUBLIC_KEY_LENGTH} bytes, got ${raw.length}`,
    );
  try {
    return createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
      format: 'jwk',
    });
  } catch (e) {
    throw new KeyError('bad-key', `not an Ed25519 public key: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

export function rawPublicKey(key: KeyObject): Uint8Array {
  const pub = loadPublicKey(key);
  const jwk = pub.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string')
    throw new KeyError('bad-key', 'the key has no Ed25519 public value');
  return new Uint8Array(Buffer.from(jwk.x, 'base64url'));
}

export function keyIdOf(key: KeyObject | Uint8Array): Uint8Array {
  const raw = key instanceof Uint8Array ? key : rawPublicKey(key);
  return new Uint8Array(createHash('sha256').update(raw).digest().subarray(0, KEY_ID_LENGTH));
}
