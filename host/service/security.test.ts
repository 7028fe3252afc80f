// Who may talk to the service: the Host allowlist (DNS rebinding), the Origin allowlist, tokens,
// the panel's own token, body limits and malformed bodies — each refused with a clear
// `{error:{code,message}}`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_TOKEN,
  RIG_PORT,
  serviceRig,
  WEB_ORIGIN,
  WEB_TOKEN,
  type Rig,
} from './testing/service-rig.ts';

let rig: Rig;
beforeAll(async () => {
  rig = await serviceRig({ limits: { bodyBytes: 1024 } });
});
afterAll(() => rig.close());

const errorOf = (body: string) =>
  (JSON.parse(body) as { error: { code: string; message: string } }).error;

describe('Host header allowlist', () => {
  for (const host of [
    'evil.example:17999',
    `rebind.attacker.test:${RIG_PORT}`,
    `127.0.0.1:${RIG_PORT + 1}`,
    '127.0.0.1',
    `[::1]:${RIG_PORT}`,
  ]) {
    it(`refuses Host ${host} on the API, the pages, metrics and unknown paths`, async () => {
      for (const url of ['/api/readers', '/', '/metrics', '/openapi.json', '/no/such/path']) {
        const r = await rig.request({ method: 'GET', url, headers: { host } });
        expect(r.statusCode, url).toBe(403);
        expect(errorOf(r.body).code).toBe('host-not-allowed');
        expect(errorOf(r.body).message).toContain(`127.0.0.1:${RIG_PORT}`);
      }
    });
  }

  it('accepts 127.0.0.1:<port> and localhost:<port>', async () => {
    for (const host of [
      `127.0.0.1:${RIG_PORT}`,
      `localhost:${RIG_PORT}`,
      `LOCALHOST:${RIG_PORT}`,
    ]) {
      const r = await rig.request({ method: 'GET', url: '/api/readers', headers: { host } });
      expect(r.statusCode, host).toBe(200);
    }
  });
});

describe('Origin allowlist', () => {
  it('a foreign Origin gets 403, with or without a valid token, on every path', async () => {
    for (const url of ['/api/readers', '/', '/metrics']) {
      const r = await rig.request({
        method: 'GET',
        url,
        headers: { origin: 'https://evil.example' },
      });
      expect(r.statusCode, url).toBe(403);
      expect(errorOf(r.body).code).toBe('origin-not-allowed');
    }
    const post = await rig.request({
      method: 'POST',
      url: '/api/national/iReadCardBas',
      headers: { origin: 'http://127.0.0.1:9999' },
      payload: { iType: 1 },
    });
    expect(post.statusCode).toBe(403);
  });

  it("an application's configured origin is served with CORS headers, and preflight works", async () => {
    const pre = await rig.request({
      method: 'OPTIONS',
      url: '/api/readers',
      token: null,
      headers: {
        origin: WEB_ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(WEB_ORIGIN);
    expect(String(pre.headers['access-control-allow-headers'])).toContain('authorization');
    const r = await rig.request({
      method: 'GET',
      url: '/api/readers',
      token: WEB_TOKEN,
      headers: { origin: WEB_ORIGIN },
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe(WEB_ORIGIN);
  });

  it("another application's token from that origin is refused (an app is bound to its origins)", async () => {
    const r = await rig.request({
      method: 'GET',
      url: '/api/readers',
      token: APP_TOKEN,
      headers: { origin: WEB_ORIGIN },
    });
    expect(r.statusCode).toBe(403);
    expect(errorOf(r.body).message).toContain('"his"');
  });

  it("the service's own origin gets no CORS headers (same origin needs none)", async () => {
    const r = await rig.request({
      method: 'GET',
      url: '/api/readers',
      token: rig.service.core.access.pageToken,
      headers: { origin: `http://127.0.0.1:${RIG_PORT}` },
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('tokens', () => {
  it('no token: 401 with WWW-Authenticate, on every API route', async () => {
    const routes: [string, string][] = [
      ['GET', '/api/info'],
      ['GET', '/api/readers'],
      ['GET', '/api/readers/sim'],
      ['GET', '/api/readers/sim/slots'],
      ['POST', '/api/readers/sim/ssc/read'],
      ['POST', '/api/readers/sim/health/read'],
      ['POST', '/api/readers/sim/bank/read'],
      ['POST', '/api/readers/sim/pin/verify'],
      ['POST', '/api/readers/sim/pin/change'],
      ['POST', '/api/readers/sim/slots/0/apdu'],
      ['POST', '/api/sessions'],
      ['GET', '/api/sessions'],
      ['DELETE', '/api/sessions/0123456789abcdef0123456789abcdef'],
      ['POST', '/api/national/iReadCardBas'],
      ['GET', '/api/events'],
    ];
    for (const [method, url] of routes) {
      const r = await rig.request({ method: method as 'GET', url, token: null });
      expect(r.statusCode, `${method} ${url}`).toBe(401);
      expect(errorOf(r.body)).toMatchObject({ code: 'unauthorized' });
      expect(r.headers['www-authenticate']).toContain('Bearer');
    }
  });

  it('a wrong token, and a malformed Authorization header: 401', async () => {
    const wrong = await rig.request({ method: 'GET', url: '/api/readers', token: 'x'.repeat(24) });
    expect(wrong.statusCode).toBe(401);
    expect(errorOf(wrong.body)).toEqual({ code: 'unauthorized', message: 'wrong token' });
    const basic = await rig.request({
      method: 'GET',
      url: '/api/readers',
      token: null,
      headers: { authorization: 'Basic aGlzOnNlY3JldA==' },
    });
    expect(basic.statusCode).toBe(401);
    expect(errorOf(basic.body).message).toContain('Bearer <token>');
  });

  it('the token is not accepted in the query string of an HTTP request', async () => {
    const r = await rig.request({
      method: 'GET',
      url: `/api/readers?token=${APP_TOKEN}`,
      token: null,
    });
    expect(r.statusCode).toBe(401);
  });

  it('the panel token opens only the panel; application tokens never open the panel', async () => {
    const panel = rig.service.core.access.panelToken;
    const self = { origin: `http://127.0.0.1:${RIG_PORT}` };
    const onApi = await rig.request({
      method: 'GET',
      url: '/api/readers',
      token: panel,
      headers: self,
    });
    expect(onApi.statusCode).toBe(403);
    expect(errorOf(onApi.body).code).toBe('forbidden');
    for (const token of [APP_TOKEN, rig.service.core.access.pageToken]) {
      const r = await rig.request({
        method: 'POST',
        url: '/panel/api/keys',
        token,
        headers: self,
        payload: { key: '1' },
      });
      expect(r.statusCode).toBe(403);
      expect(errorOf(r.body).message).toContain('panel');
    }
    const ok = await rig.request({
      method: 'GET',
      url: '/panel/api/state',
      token: panel,
      headers: self,
    });
    expect(ok.statusCode).toBe(200);
  });

  it("the pages' tokens work only from the service's own origin; application tokens need none", async () => {
    const { pageToken, panelToken } = rig.service.core.access;
    const cases: [string, string, Record<string, string>, number][] = [
      // A local program that read the token out of GET /: no Origin, no Sec-Fetch-Site.
      [pageToken, '/api/readers', {}, 403],
      [panelToken, '/panel/api/state', {}, 403],
      // A browser's same-origin GET sends no Origin but Sec-Fetch-Site.
      [pageToken, '/api/readers', { 'sec-fetch-site': 'same-origin' }, 200],
      [panelToken, '/panel/api/state', { 'sec-fetch-site': 'same-origin' }, 200],
      [pageToken, '/api/readers', { 'sec-fetch-site': 'cross-site' }, 403],
      [pageToken, '/api/readers', { 'sec-fetch-site': 'none' }, 403],
      [pageToken, '/api/readers', { origin: `http://localhost:${RIG_PORT}` }, 200],
      [panelToken, '/panel/api/state', { origin: `http://127.0.0.1:${RIG_PORT}` }, 200],
      // An origin an application is configured for is still not the service's own.
      [pageToken, '/api/readers', { origin: WEB_ORIGIN }, 403],
      [panelToken, '/panel/api/state', { origin: WEB_ORIGIN }, 403],
      // A configured Origin header wins over a same-origin claim.
      [pageToken, '/api/readers', { origin: WEB_ORIGIN, 'sec-fetch-site': 'same-origin' }, 403],
      // Application tokens are as they were: a local program sends no Origin at all.
      [APP_TOKEN, '/api/readers', {}, 200],
      [WEB_TOKEN, '/api/readers', { origin: WEB_ORIGIN }, 200],
    ];
    for (const [token, url, headers, status] of cases) {
      const r = await rig.request({ method: 'GET', url, token, headers });
      const what = `${token === pageToken ? 'page' : token === panelToken ? 'panel' : token} ${JSON.stringify(headers)}`;
      expect(r.statusCode, what).toBe(status);
      if (status === 403) {
        expect(errorOf(r.body).code, what).toBe('origin-not-allowed');
        expect(errorOf(r.body).message, what).toContain("service's own pages");
      }
    }
  });
});

describe('bodies', () => {
  it('an oversized body: 413', async () => {
    const r = await rig.request({
      method: 'POST',
      url: '/api/national/iReadCard',
      payload: { iType: 1, iAuthType: 2, pCardInfo: 'x', pFileAddr: 'A'.repeat(4000) },
    });
    expect(r.statusCode).toBe(413);
    expect(errorOf(r.body)).toMatchObject({ code: 'payload-too-large' });
  });

  it('malformed JSON: 400 invalid-json with a clear message', async () => {
    const r = await rig.request({
      method: 'POST',
      url: '/api/national/iReadCardBas',
      headers: { 'content-type': 'application/json' },
      payload: '{"iType": 1,',
    });
    expect(r.statusCode).toBe(400);
    expect(errorOf(r.body)).toEqual({
      code: 'invalid-json',
      message: 'the request body is not valid JSON',
    });
  });

  it('an empty body labelled JSON: 400; no body at all is {}', async () => {
    const empty = await rig.request({
      method: 'POST',
      url: '/api/sessions',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(empty.statusCode).toBe(400);
    expect(errorOf(empty.body).code).toBe('invalid-json');
  });

  it('a body that is not JSON: 415', async () => {
    const r = await rig.request({
      method: 'POST',
      url: '/api/national/iReadCardBas',
      headers: { 'content-type': 'text/plain' },
      payload: 'iType=1',
    });
    expect(r.statusCode).toBe(415);
    expect(errorOf(r.body).code).toBe('unsupported-media-type');
  });

  it('schema violations: 400 saying where, never echoing the value', async () => {
    const r = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/pin/verify',
      payload: { pin: '918273' },
    });
    expect(r.statusCode).toBe(400);
    const e = errorOf(r.body) as { code: string; message: string; details: unknown[] };
    expect(e.code).toBe('bad-request');
    expect(e.details).toEqual([
      expect.objectContaining({
        in: 'body',
        property: 'pin',
        problem: 'must NOT have additional properties',
      }),
    ]);
    expect(r.body).not.toContain('918273');
    const type = await rig.request({
      method: 'POST',
      url: '/api/national/iReadCardBas',
      payload: { iType: 'one' },
    });
    expect(type.statusCode).toBe(400);
    expect(errorOf(type.body).message).toBe('body/iType must be integer');
    const array = await rig.request({ method: 'POST', url: '/api/sessions', payload: [1, 2] });
    expect(array.statusCode).toBe(400);
  });

  it('bad path parameters: 400', async () => {
    const r = await rig.request({ method: 'GET', url: '/api/readers/..%2F..%2Fetc' });
    expect([400, 404]).toContain(r.statusCode);
    expect(errorOf(r.body).code).toMatch(/bad-request|not-found/);
    const s = await rig.request({ method: 'DELETE', url: '/api/sessions/not-hex' });
    expect(s.statusCode).toBe(400);
  });
});

describe('URLs fastify cannot route', () => {
  it('a URL that does not decode: the Host and Origin checks first, then a JSON error', async () => {
    for (const url of ['/api/readers/%E0%A4%A', '/api/national/%FF', '/%C0%AF']) {
      const rebind = await rig.request({ method: 'GET', url, headers: { host: 'evil.example' } });
      expect(rebind.statusCode, url).toBe(403);
      expect(errorOf(rebind.body).code).toBe('host-not-allowed');
      const foreign = await rig.request({
        method: 'GET',
        url,
        headers: { origin: 'https://evil.example' },
      });
      expect(foreign.statusCode, url).toBe(403);
      expect(errorOf(foreign.body).code).toBe('origin-not-allowed');
      const r = await rig.request({ method: 'GET', url });
      expect(r.statusCode, url).toBe(400);
      expect(r.headers['content-type']).toContain('application/json');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(JSON.parse(r.body)).toEqual({
        error: {
          code: 'bad-request',
          message: 'the URL does not decode: a %-escape in its path is not UTF-8',
        },
      });
    }
  });
});

describe('what the web API does not offer', () => {
  it('no firmware update, no reader reconfiguration, no display or beeper control', async () => {
    for (const [method, url] of [
      ['POST', '/api/readers/sim/firmware'],
      ['POST', '/api/readers/sim/update'],
      ['POST', '/api/readers/sim/config'],
      ['POST', '/api/readers/sim/profile'],
      ['POST', '/api/readers/sim/display'],
      ['PUT', '/api/readers/sim'],
      ['DELETE', '/api/readers/sim'],
    ] as const) {
      const r = await rig.request({ method, url, payload: {} });
      expect(r.statusCode, `${method} ${url}`).toBe(404);
      expect(errorOf(r.body).code).toBe('not-found');
    }
  });
});

describe('response headers', () => {
  it('nosniff, no referrer, no caching of API answers; pages carry a strict CSP', async () => {
    const r = await rig.request({ method: 'GET', url: '/api/readers' });
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cache-control']).toBe('no-store');
    const page = await rig.request({ method: 'GET', url: '/', token: null });
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
  });
});
