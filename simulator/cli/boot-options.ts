// `--boot-key <public.pem> --factory-image <image>`: the reader boots through the simulated boot
// stage (simulator/boot) with that public key built in, its blank flash programmed with that
// signed image as on the production line, so that the host's `fw flash` can update it. With
// `--state <dir>` the flash keeps what a previous run left (the factory image only fills a blank
// part).
import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { loadPublicKey } from '../../protocol/image/keys.ts';
import { ImageError, KeyError } from '../../protocol/image/image-error.ts';
import { verifyImage } from '../../protocol/image/verify.ts';
import { simulatedBootStage } from '../boot/index.ts';
import { CommandError } from '../errors.ts';
import type { BootStageFactory } from '../reader/boot-stage-seam.ts';

export interface BootOptions {
  bootKey?: string;
  factoryImage?: string;
  firmware?: string;
  state?: string;
}

/** The boot stage the options ask for (undefined: none); throws CommandError for bad ones. */
export function bootStageFromOptions(o: BootOptions): BootStageFactory | undefined {
  if (o.bootKey === undefined) {
    if (o.factoryImage !== undefined)
      throw new CommandError('--factory-image needs --boot-key <public.pem>');
    return undefined;
  }
  if (o.firmware !== undefined)
    throw new CommandError(
      '--firmware and --boot-key exclude each other: under a boot stage the reader runs the image in its flash',
    );
  if (o.factoryImage === undefined && o.state === undefined)
    throw new CommandError(
      '--boot-key needs --factory-image <image> (or a --state folder whose flash holds an image)',
    );
  const publicKey = readKey(o.bootKey);
  let factoryImage: Uint8Array | undefined;
  if (o.factoryImage !== undefined) {
    factoryImage = readFile(o.factoryImage, 'factory image');
    try {
      verifyImage(factoryImage, [publicKey]);
    } catch (e) {
      if (e instanceof ImageError)
        throw new CommandError(
          `the factory image ${o.factoryImage} would not boot: ${e.code}: ${e.message}`,
        );
      throw e;
    }
  }
  return simulatedBootStage({ publicKey, factoryImage });
}

function readFile(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new CommandError(`cannot read the ${what} ${path}: ${(e as Error).message}`);
  }
}

function readKey(path: string): KeyObject {
  const text = new TextDecoder().decode(readFile(path, 'boot key'));
  try {
    return loadPublicKey(text);
  } catch (e) {
    if (e instanceof KeyError) throw new CommandError(`--boot-key ${path}: ${e.message}`);
    throw e;
  }
}
