// Random bodies into every HTTP endpoint of the service (app.inject, the embedded simulated reader
// in fast mode): JSON built from each route's own schema and then bent (wrong types, values out
// of range, unknown keys, huge strings), plain random JSON, malformed JSON and other content
// types, random path parameters and session headers. Whatever arrives: an answer (never 500),
// a failure as JSON `{ error: { code, message } }`, and no firmware panic. The routes come from
// the service's own OpenAPI document, so a new route is fuzzed without touching this file.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RAW_TOKEN, serviceRig, type Rig } from './testing/service-rig.ts';

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body: Schema | undefined;
  token?: string;
}

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  maxItems?: number;
  pattern?: string;
}

let rig: Rig;
let routes: Route[] = [];

beforeAll(async () => {
  rig = await serviceRig();
  const doc = JSON.parse(
    (await rig.request({ method: 'GET', url: '/openapi.json', token: null })).body,
  ) as {
    paths: Record<
      string,
      Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>
    >;
  };
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (path === '/api/events') continue; // a WebSocket, not a body
    for (const [method, op] of Object.entries(ops)) {
      routes.push({
        method: method.toUpperCase() as Route['method'],
        path,
        body: op.requestBody?.content['application/json']?.schema,
        token: path.endsWith('/apdu') ? RAW_TOKEN : undefined,
      });
    }
  }
  // The reader panel's routes (hidden from the document, open to the panel's token).
  const panel = rig.service.core.access.panelToken;
  routes.push(
    { method: 'GET', path: '/panel/api/state', body: undefined, token: panel },
    {
      method: 'POST',
      path: '/panel/api/keys',
      token: panel,
      body: {
        type: 'object',
        properties: { key: { type: 'string', enum: ['1', 'enter', 'cancel'] } },
      },
    },
    {
      method: 'POST',
      path: '/panel/api/cards',
      token: panel,
      body: {
        type: 'object',
        properties: {
          slot: { type: 'integer', minimum: 0, maximum: 2 },
          spec: {
            type: 'string',
            enum: ['ssc3:li-na', 'psam', 'health', 'ssc3-t1', 'atr:3B021450'],
          },
        },
      },
    },
    { method: 'DELETE', path: '/panel/api/cards/{slot}', body: undefined, token: panel },
    {
      method: 'POST',
      path: '/panel/api/link',
      token: panel,
      body: { type: 'object', properties: { plugged: { type: 'boolean' } } },
    },
  );
}, 60_000);

afterAll(() => rig?.close());

/** A value that follows `schema`, or bends it. */
function fromSchema(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const wild = fc.jsonValue({ maxDepth: 2 });
  if (!schema || depth > 4) return wild;
  if (schema.enum) return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...schema.enum) }, wild);
  switch (schema.type) {
    case 'object': {
      const props = Object.entries(schema.properties ?? {});
      const known = props.map(([k, s]) =>
        fc.option(fromSchema(s, depth + 1), { nil: undefined }).map((v) => [k, v] as const),
      );
      return fc.oneof(
        { weight: 6, arbitrary: fc.tuple(...known).map((kv) => object(kv)) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(
              fc.tuple(...known),
              fc.dictionary(fc.string({ maxLength: 8 }), wild, { maxKeys: 2 }),
            )
            .map(([kv, extra]) => ({ ...object(kv), ...extra })),
        },
        { weight: 1, arbitrary: wild },
      );
    }
    case 'integer':
    case 'number':
      return fc.oneof(
        {
          weight: 4,
          arbitrary: fc.integer({ min: schema.minimum ?? -5, max: schema.maximum ?? 300 }),
        },
        fc.integer(),
        fc.double(),
        fc.constantFrom(-1, 0, 1, 255, 256, 65_536, 2 ** 31, Number.MAX_SAFE_INTEGER),
        fc.string({ maxLength: 6 }),
        fc.constant(null),
      );
    case 'boolean':
      return fc.oneof({ weight: 4, arbitrary: fc.boolean() }, wild);
    case 'string': {
      const hex = fc
        .uint8Array({ minLength: 0, maxLength: 40 })
        .map((b) => Buffer.from(b).toString('hex').toUpperCase());
      return fc.oneof(
        {
          weight: 3,
          arbitrary: schema.pattern?.includes('A-Fa-f') ? hex : fc.string({ maxLength: 20 }),
        },
        fc.string({ maxLength: (schema.maxLength ?? 64) + 10 }),
        fc.constantFrom('', 'sim', '0', '00A4040000', '../../etc', '%00', '𠀀𠀀', 'a'.repeat(300)),
        fc.integer(),
        fc.constant(null),
      );
    }
    case 'array':
      return fc.oneof(
        {
          weight: 4,
          arbitrary: fc.array(fromSchema(schema.items, depth + 1), {
            maxLength: (schema.maxItems ?? 4) + 2,
          }),
        },
        wild,
      );
    default:
      return wild;
  }
}

function object(kv: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  return Object.fromEntries(kv.filter(([, v]) => v !== undefined));
}

/**
 * Waits for an answer while the service's own clock (sessions, the PIN window: a manual clock in
 * the rig) moves 100 ms per turn of the event loop, as time would. An answer that does not come
 * within 20 minutes of that time is a hang.
 */
async function answer<T>(p: Promise<T>): Promise<T> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let turns = 0; !done; turns++) {
    if (turns > 12_000) throw new Error('no answer within 20 minutes of service time');
    await new Promise((r) => setImmediate(r));
    rig.clock.advance(100);
  }
  return p;
}

const pathParam = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('sim', '0', '1', '2') },
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  fc.constantFrom('..%2F..%2Fetc', '%E4%BD%A0', '99999999999', '-1', 'a'.repeat(80)),
  fc.uint8Array({ minLength: 8, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex')),
);

const request = fc.record({
  route: fc.nat(),
  params: fc.array(pathParam, { minLength: 3, maxLength: 3 }),
  body: fc.nat(),
  encoding: fc.constantFrom('json', 'json', 'json', 'json', 'broken', 'text', 'none'),
  session: fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    fc.string({ maxLength: 40 }),
    fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex')),
  ),
  seed: fc.nat(),
});

describe('HTTP API bodies (fuzz)', () => {
  it('every endpoint answers random input with a result or a clear JSON error, never 500', async () => {
    expect(routes.length).toBeGreaterThan(15);
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const route = routes[r.route % routes.length];
        let i = 0;
        const url = route.path.replace(/\{[^}]+\}/g, () => r.params[i++ % 3]);
        const body = fc.sample(fromSchema(route.body), { seed: r.seed, numRuns: 1 })[0];
        const headers: Record<string, string> = {};
        if (r.session !== undefined) headers['x-session-id'] = r.session;
        // The panel's token works only from the service's own origin.
        if (route.path.startsWith('/panel')) headers.origin = `http://127.0.0.1:${rig.port}`;
        let payload: string | undefined;
        if (route.method !== 'GET') {
          switch (r.encoding) {
            case 'json':
              payload = JSON.stringify(body);
              headers['content-type'] = 'application/json';
              break;
            case 'broken':
              payload = JSON.stringify(body).slice(0, -1) + '\u0000{';
              headers['content-type'] = 'application/json';
              break;
            case 'text':
              payload = String(body);
              headers['content-type'] = 'text/plain';
              break;
          }
        }
        const res = await answer(
          rig.request({ method: route.method, url, headers, payload, token: route.token }),
        );
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        const what = `${route.method} ${url} ${payload ?? ''} → ${res.statusCode} ${res.body.slice(0, 300)}`;
        expect(res.statusCode, what).not.toBe(500);
        expect(res.statusCode, what).toBeLessThan(600);
        if (res.statusCode >= 400) {
          const e = (JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } })
            .error;
          expect(typeof e?.code, what).toBe('string');
          expect(typeof e?.message, what).toBe('string');
          expect((e?.message as string).length, what).toBeGreaterThan(0);
        }
        expect(rig.service.core.sim?.sim.reader.panics ?? [], what).toEqual([]);
      }),
      { seed: 0x5e7, numRuns: 600 },
    );
    // Both sides were reached: requests that worked and requests refused.
    const count = (pred: (s: number) => boolean) =>
      [...statuses].filter(([s]) => pred(s)).reduce((n, [, c]) => n + c, 0);
    expect(count((s) => s < 300)).toBeGreaterThan(20);
    expect(count((s) => s >= 400 && s < 500)).toBeGreaterThan(100);
  }, 600_000);
});
