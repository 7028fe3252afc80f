// What `fw info` and `fw verify` print about an image, human and JSON.
import { createHash } from 'node:crypto';
import { formatVersion, parseImage, type ParsedImage } from '../../protocol/image/image.ts';
import { ImageFlag, TlvType } from '../../protocol/image/image-constants.ts';

export interface ImageInfo {
  version: string;
  securityCounter: number;
  flags: string[];
  size: number;
  payloadSize: number;
  /** SHA-256 of the whole file (what UpdateBegin sends). */
  fileSha256: string;
  /** The SHA-256 TLV (what the signature covers). */
  signedSha256: string | null;
  keyId: string | null;
  signed: boolean;
  /** Set by verify: which trusted key verified it. */
  verifiedWith?: string;
}

const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : null);

export function imageInfo(bytes: Uint8Array, parsed: ParsedImage = parseImage(bytes)): ImageInfo {
  const flags: string[] = [];
  if (parsed.header.flags & ImageFlag.SelfTestFail) flags.push('self-test-fail');
  return {
    version: formatVersion(parsed.header.version),
    securityCounter: parsed.header.securityCounter,
    flags,
    size: parsed.size,
    payloadSize: parsed.header.payloadSize,
    fileSha256: createHash('sha256').update(bytes).digest('hex'),
    signedSha256: hex(parsed.sha256),
    keyId: hex(parsed.keyId),
    signed: parsed.tlvs.some((t) => t.type === TlvType.Ed25519),
  };
}

export function formatImageInfo(info: ImageInfo): string {
  const lines = [
    `version           ${info.version}`,
    `security counter  ${info.securityCounter}`,
    `flags             ${info.flags.length ? info.flags.join(', ') : 'none'}`,
    `size              ${info.size} bytes (payload ${info.payloadSize})`,
    `file SHA-256      ${info.fileSha256}`,
    `signed SHA-256    ${info.signedSha256 ?? '(none)'}`,
    `key id            ${info.keyId ?? '(none)'}`,
    `signature         ${info.signed ? 'Ed25519' : '(none: unsigned)'}`,
  ];
  if (info.verifiedWith) lines.push(`verified with     ${info.verifiedWith}`);
  return lines.join('\n');
}
