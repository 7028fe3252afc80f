// `fw flash`: verify the image here first (unsigned, tampered, wrong-key and, when the readers'
// floor is given, rollback images never leave the host), then update every reader at once, each
// on its own link, and collect one report per reader. Each reader is also asked for the security
// counter its boot stage stores (DeviceInfo): an image below it is refused for that reader
// before any of it is sent.
import type { KeyObject } from 'node:crypto';
import { formatVersion } from '../../protocol/image/image.ts';
import { ImageError } from '../../protocol/image/image-error.ts';
import { sha256 } from '../../protocol/image/sign.ts';
import { verifyImage } from '../../protocol/image/verify.ts';
import { FirmwareToolError } from './errors.ts';
import { flashReader, type FlashOptions, type ReaderReport } from './flash-reader.ts';
import { imageInfo, type ImageInfo } from './image-info.ts';
import type { UpdateTarget } from './target.ts';

export interface FlashReport {
  image: ImageInfo;
  readers: ReaderReport[];
  /** Every reader updated or already up to date. */
  ok: boolean;
}

export interface FlashAllOptions extends FlashOptions {
  /** The public keys the readers' boot stages trust. */
  trustedKeys: readonly KeyObject[];
  /** Refuse images below this security counter (what the readers store, when known). */
  minSecurityCounter?: number;
}

/** Checks the image as the boot stage will; throws FirmwareToolError('image-refused'). */
export function checkImage(
  bytes: Uint8Array,
  keys: readonly KeyObject[],
  minSecurityCounter?: number,
) {
  try {
    return verifyImage(bytes, keys, { minSecurityCounter });
  } catch (e) {
    if (e instanceof ImageError)
      throw new FirmwareToolError(
        'image-refused',
        `image refused before sending (${e.code}): ${e.message}`,
        {
          imageError: e.code,
          cause: e,
        },
      );
    throw e;
  }
}

export async function flashAll(
  targets: readonly UpdateTarget[],
  bytes: Uint8Array,
  options: FlashAllOptions,
): Promise<FlashReport> {
  if (targets.length === 0) throw new FirmwareToolError('bad-option', 'no reader to flash');
  const verified = checkImage(bytes, options.trustedKeys, options.minSecurityCounter);
  const image = { bytes, header: verified.header, sha256: sha256(bytes) };
  const perReader = {
    ...options,
    checkReaderSecurityCounter: options.checkReaderSecurityCounter ?? true,
  };
  const readers = await Promise.all(targets.map((t) => flashReader(t, image, perReader)));
  const info = {
    ...imageInfo(bytes, verified),
    verifiedWith: Buffer.from(verified.keyId!).toString('hex'),
  };
  return { image: info, readers, ok: readers.every((r) => r.result !== 'failed') };
}

export function formatFlashReport(report: FlashReport): string {
  const rows = report.readers.map((r) => {
    const resumed = r.startedAt.some((s) => s > 0)
      ? ` resumed at ${r.startedAt.filter((s) => s > 0).join(', ')}`
      : '';
    const retries = r.linkRetries ? `, ${r.linkRetries} reconnect(s)` : '';
    const what =
      r.result === 'updated'
        ? `updated ${r.from ?? '?'} → ${r.running ?? r.to}, ${r.bytesSent} bytes${resumed}${retries}`
        : r.result === 'up-to-date'
          ? `already runs ${r.running ?? r.to}`
          : `FAILED (${r.error?.code}): ${r.error?.message}`;
    return `${r.reader.padEnd(20)} ${what}  [${(r.durationMs / 1000).toFixed(1)} s]`;
  });
  const updated = report.readers.filter((r) => r.result === 'updated').length;
  const failed = report.readers.filter((r) => r.result === 'failed').length;
  return [
    `image ${report.image.version} (security counter ${report.image.securityCounter}, ${report.image.size} bytes, key ${report.image.verifiedWith})`,
    ...rows,
    `${report.readers.length} reader(s): ${updated} updated, ${report.readers.length - updated - failed} up to date, ${failed} failed`,
  ].join('\n');
}

export { formatVersion };
