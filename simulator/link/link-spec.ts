// Host-link exposure specs as the CLI takes them: `pty:<path>` or `tcp:<port>` (127.0.0.1).
import { isAbsolute, resolve } from 'node:path';
import { LinkSpecError } from '../errors.ts';

export type LinkSpec = { kind: 'pty'; path: string } | { kind: 'tcp'; port: number };

export function parseLinkSpec(spec: string): LinkSpec {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const value = colon < 0 ? '' : spec.slice(colon + 1);
  if (kind === 'pty') {
    if (!value) throw new LinkSpecError('pty:<path> needs a path, e.g. pty:/tmp/kiosk-reader/tty');
    return { kind: 'pty', path: isAbsolute(value) ? value : resolve(value) };
  }
  if (kind === 'tcp') {
    const port = Number(value);
    if (!/^\d+$/.test(value) || port > 65535)
      throw new LinkSpecError(
        `tcp:<port> needs a port 0..65535 (0 = any free one), got "${value}"`,
      );
    return { kind: 'tcp', port };
  }
  throw new LinkSpecError(`unknown link "${spec}": use pty:<path> or tcp:<port>`);
}

export function formatLinkSpec(spec: LinkSpec): string {
  return spec.kind === 'pty' ? `pty:${spec.path}` : `tcp:${spec.port}`;
}
