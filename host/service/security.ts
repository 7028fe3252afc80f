// Who may talk to the service, checked before any route runs:
// - Host: only `127.0.0.1:<port>` and `localhost:<port>`. A web page that rebinds its own DNS name
//   to 127.0.0.1 still sends its own name as Host, so it is refused (DNS rebinding).
// - Origin: a browser request from another origin is refused (403) unless an application's
//   config lists that origin; then it gets CORS headers. The service's own pages are same-origin.
// - Token: every /api/ request names its application with `Authorization: Bearer <token>` (or
//   `?token=` on the WebSocket, which browsers cannot give headers). The service issues a token
//   of its own to the pages it serves (embedded in the page, which other origins cannot read),
//   and another to the reader panel, which alone may drive the simulated reader. Those two work
//   only from the service's own origin: a local program that fetched a page does not get to act
//   as it; programs use their own tokens from the config, with their own limits.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApplicationConfig } from './config.ts';
import { ServiceError } from './errors.ts';

export const PAGE_APPLICATION = 'kiosk-page';
export const PANEL_APPLICATION = 'reader-panel';

export interface Principal {
  readonly application: string;
  readonly kind: 'application' | 'page' | 'panel';
  readonly rawApdu: boolean;
  /** Origins it may call from, besides the service's own. */
  readonly origins: readonly string[];
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export class AccessControl {
  readonly pageToken = randomBytes(24).toString('base64url');
  readonly panelToken = randomBytes(24).toString('base64url');
  readonly #principals: { digest: Buffer; principal: Principal }[];
  readonly #foreignOrigins: Set<string>;
  #port: number;

  constructor(applications: readonly ApplicationConfig[], port: number) {
    this.#port = port;
    this.#principals = [
      ...applications.map((a) => ({
        digest: digest(a.token),
        principal: {
          application: a.id,
          kind: 'application' as const,
          rawApdu: a.rawApdu,
          origins: a.origins,
        },
      })),
      {
        digest: digest(this.pageToken),
        principal: { application: PAGE_APPLICATION, kind: 'page', rawApdu: false, origins: [] },
      },
      {
        digest: digest(this.panelToken),
        principal: { application: PANEL_APPLICATION, kind: 'panel', rawApdu: false, origins: [] },
      },
    ];
    this.#foreignOrigins = new Set(applications.flatMap((a) => a.origins));
  }

  get port(): number {
    return this.#port;
  }

  /** The port is known once the server listens (port 0 picks a free one). */
  set port(port: number) {
    this.#port = port;
  }

  get selfOrigins(): string[] {
    return [`http://127.0.0.1:${this.#port}`, `http://localhost:${this.#port}`];
  }

  /** 403 unless Host names this service on the loopback interface. */
  checkHost(host: string | undefined): void {
    const allowed = [`127.0.0.1:${this.#port}`, `localhost:${this.#port}`];
    if (host === undefined || !allowed.includes(host.toLowerCase()))
      throw new ServiceError(
        403,
        'host-not-allowed',
        `Host ${host === undefined ? '(none)' : JSON.stringify(host.slice(0, 100))} is not this service; use ${allowed.join(' or ')}`,
      );
  }

  isSelfOrigin(origin: string): boolean {
    return this.selfOrigins.includes(origin);
  }

  /** 403 for an Origin that neither the service nor any application's config names. */
  checkOrigin(origin: string | undefined): void {
    if (origin === undefined || this.isSelfOrigin(origin) || this.#foreignOrigins.has(origin))
      return;
    throw new ServiceError(
      403,
      'origin-not-allowed',
      `Origin ${JSON.stringify(origin.slice(0, 200))} is not allowed (an application's "origins" in the config must list it)`,
    );
  }

  /** Whether `origin` may receive CORS headers (a configured application's origin). */
  corsAllowed(origin: string | undefined): origin is string {
    return origin !== undefined && this.#foreignOrigins.has(origin);
  }

  /**
   * The principal of a token, checked against the request's Origin: the service's pages only
   * from its own origin (Origin naming it, or a browser's `Sec-Fetch-Site: same-origin` where it
   * sends no Origin, as for a GET), an application only from its own origins (or with no Origin
   * at all: a local program).
   */
  authenticate(
    token: string | undefined,
    origin: string | undefined,
    fetchSite?: string,
  ): Principal {
    if (!token)
      throw new ServiceError(
        401,
        'unauthorized',
        'missing token: send "Authorization: Bearer <token>" (an application\'s token from the config)',
        {},
        { 'www-authenticate': 'Bearer realm="kiosk-reader"' },
      );
    const d = digest(token);
    const hit = this.#principals.find((p) => timingSafeEqual(p.digest, d));
    if (!hit)
      throw new ServiceError(
        401,
        'unauthorized',
        'wrong token',
        {},
        {
          'www-authenticate': 'Bearer realm="kiosk-reader", error="invalid_token"',
        },
      );
    const p = hit.principal;
    if (p.kind !== 'application') {
      const sameOrigin =
        origin !== undefined ? this.isSelfOrigin(origin) : fetchSite === 'same-origin';
      if (!sameOrigin)
        throw new ServiceError(
          403,
          'origin-not-allowed',
          `the ${p.kind === 'page' ? 'kiosk page' : 'reader panel'}'s token works only from the service's own pages (${this.selfOrigins.join(' or ')}); a program uses its own application token from the config`,
        );
      return p;
    }
    if (origin !== undefined && !this.isSelfOrigin(origin) && !p.origins.includes(origin))
      throw new ServiceError(
        403,
        'origin-not-allowed',
        `application "${p.application}" may not be used from ${JSON.stringify(origin.slice(0, 200))}`,
      );
    if (
      origin !== undefined &&
      this.isSelfOrigin(origin) &&
      p.kind === 'application' &&
      p.origins.length > 0 &&
      !p.origins.includes(origin)
    ) {
      // An application bound to its own origins is not used from the service's pages either.
      throw new ServiceError(
        403,
        'origin-not-allowed',
        `application "${p.application}" may not be used from this page`,
      );
    }
    return p;
  }
}

/** The token of a request: the Authorization header, or `token` in the query (WebSocket only). */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!m)
    throw new ServiceError(
      401,
      'unauthorized',
      'the Authorization header must be "Bearer <token>"',
      {},
      {
        'www-authenticate': 'Bearer realm="kiosk-reader"',
      },
    );
  return m[1];
}
