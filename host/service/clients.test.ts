// Twenty clients at once over real sockets on 127.0.0.1: one exclusive session at a time, events
// delivered to every client, and a client that disconnects mid-session releases the reader.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_PANEL_CLIENTS } from './routes-panel.ts';
import { APP_TOKEN, RAW_TOKEN, serviceRig, type Rig } from './testing/service-rig.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A WebSocket client of the event stream that keeps every message and answers calls by id. */
class Client {
  readonly messages: Json[] = [];
  readonly #waiters: { match: (m: Json) => boolean; resolve: (m: Json) => void }[] = [];
  #next = 1;
  readonly closed: Promise<void>;

  constructor(
    readonly name: string,
    readonly socket: WebSocket,
  ) {
    socket.on('message', (data) => {
      const m = JSON.parse(String(data)) as Json;
      this.messages.push(m);
      for (const w of [...this.#waiters])
        if (w.match(m)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(m);
        }
    });
    this.closed = new Promise((r) => socket.on('close', () => r()));
  }

  static async open(port: number, name: string, token: string, inQuery = false): Promise<Client> {
    const url = `ws://127.0.0.1:${port}/api/events${inQuery ? `?token=${token}` : ''}`;
    // As the kiosk page's browser would: its Origin is the service's own (the page's token works
    // only from there; application tokens do not mind).
    const origin = `http://127.0.0.1:${port}`;
    const socket = new WebSocket(
      url,
      inQuery ? { origin } : { origin, headers: { authorization: `Bearer ${token}` } },
    );
    const client = new Client(name, socket);
    await client.next((m) => m.type === 'hello');
    return client;
  }

  get clientId(): string {
    return this.messages.find((m) => m.type === 'hello')!.clientId as string;
  }

  next(match: (m: Json) => boolean): Promise<Json> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  call(message: Json): Promise<Json> {
    const id = this.#next++;
    this.socket.send(JSON.stringify({ ...message, id }));
    return this.next((m) => m.id === id);
  }

  count(type: string): number {
    return this.messages.filter((m) => m.type === type).length;
  }
}

let rig: Rig;
beforeAll(async () => {
  rig = await serviceRig({ listen: true });
});
afterAll(() => rig.close());

const http = (path: string, init: { token?: string; session?: string; body?: object } = {}) =>
  fetch(`http://127.0.0.1:${rig.port}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${init.token ?? APP_TOKEN}`,
      origin: `http://127.0.0.1:${rig.port}`,
      'content-type': 'application/json',
      ...(init.session ? { 'x-session-id': init.session } : {}),
    },
    body: JSON.stringify(init.body ?? {}),
  });

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 50_000; i++) {
    if (done()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

describe('twenty clients at once', () => {
  it('one exclusive session at a time; every client gets the reader in turn; events reach all', async () => {
    const tokens = [APP_TOKEN, RAW_TOKEN, rig.service.core.access.pageToken];
    const clients = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        Client.open(rig.port, `c${i}`, tokens[i % 3], i % 2 === 0),
      ),
    );
    expect(new Set(clients.map((c) => c.clientId)).size).toBe(20);
    expect(rig.service.core.bus.size).toBe(20);

    let holding = 0;
    let most = 0;
    const order: string[] = [];
    await Promise.all(
      clients.map(async (c, i) => {
        const acquired = await c.call({ type: 'acquire', reader: 'sim', waitMs: 60_000 });
        expect(acquired.type, JSON.stringify(acquired)).toBe('acquired');
        holding++;
        most = Math.max(most, holding);
        order.push(c.name);
        // The holder reads the card; anyone else without the session is refused meanwhile.
        const r = await http('/api/national/iReadCardBas', {
          token: tokens[i % 3],
          session: acquired.session.id,
          body: { iType: 1 },
        });
        const body = (await r.json()) as Json;
        expect(body.code).toBe(0);
        const intruder = await http('/api/national/iReadCardBas', {
          token: tokens[(i + 1) % 3],
          body: { iType: 1 },
        });
        expect(intruder.status).toBe(409);
        holding--;
        const released = await c.call({ type: 'release', session: acquired.session.id });
        expect(released.type).toBe('released');
      }),
    );
    expect(most).toBe(1);
    expect(order).toHaveLength(20);
    // Every client saw every session come and go.
    await until('all session events delivered', () =>
      clients.every((c) => c.count('session-released') === 20),
    );
    for (const c of clients) expect(c.count('session-acquired'), c.name).toBe(20);

    // Card events reach every client.
    const sim = rig.service.core.sim!;
    sim.remove(0);
    sim.insert(0, 'ssc3:wang-zhe');
    await until('card events delivered to all', () =>
      clients.every((c) => c.count('card-removed') >= 1 && c.count('card-inserted') >= 1),
    );
    for (const c of clients) {
      expect(c.messages.find((m) => m.type === 'card-removed')).toMatchObject({
        reader: 'sim',
        slot: 0,
        kind: 'user',
      });
    }
    await Promise.all(
      clients.map((c) => {
        c.socket.close();
        return c.closed;
      }),
    );
    await until('all clients gone', () => rig.service.core.bus.size === 0);
  });

  it('a client that disconnects mid-session releases the reader to the next in line', async () => {
    const a = await Client.open(rig.port, 'a', APP_TOKEN);
    const b = await Client.open(rig.port, 'b', RAW_TOKEN);
    const held = await a.call({ type: 'acquire', waitMs: 0 });
    expect(held.type).toBe('acquired');
    const refused = await b.call({ type: 'acquire', waitMs: 0 });
    expect(refused).toMatchObject({ type: 'error', error: { code: 'reader-busy', holder: 'his' } });
    const waiting = b.call({ type: 'acquire', waitMs: 60_000 });
    await until('b waits', () => rig.service.core.sessions.waiting('sim') === 1);
    a.socket.terminate(); // no goodbye: the process died
    const got = await waiting;
    expect(got.type).toBe('acquired');
    expect(got.session.application).toBe('raw-tool');
    expect(b.messages).toContainEqual(
      expect.objectContaining({
        type: 'session-released',
        application: 'his',
        reason: 'disconnected',
      }),
    );
    // The old session id is dead.
    const stale = await http('/api/readers/sim/ssc/read', { session: held.session.id });
    expect(stale.status).toBe(404);
    b.socket.close();
    await b.closed;
  });

  it('one pending acquire per client; an HTTP client that goes away while waiting is not granted', async () => {
    const a = await Client.open(rig.port, 'a', APP_TOKEN);
    const b = await Client.open(rig.port, 'b', RAW_TOKEN);
    const held = await a.call({ type: 'acquire' });
    expect(held.type).toBe('acquired');
    const waiting = b.call({ type: 'acquire', waitMs: 60_000 });
    await until('b waits', () => rig.service.core.sessions.waiting('sim') === 1);
    expect(await b.call({ type: 'acquire', waitMs: 60_000 })).toMatchObject({
      type: 'error',
      error: { code: 'acquire-pending' },
    });
    expect(rig.service.core.sessions.waiting('sim')).toBe(1);

    // An HTTP client waits, then its connection drops.
    const gone = new AbortController();
    const request = fetch(`http://127.0.0.1:${rig.port}/api/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APP_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ waitMs: 60_000 }),
      signal: gone.signal,
    }).catch(() => 'aborted');
    await until('the HTTP client waits', () => rig.service.core.sessions.waiting('sim') === 2);
    gone.abort();
    expect(await request).toBe('aborted');
    await until('its wait is dropped', () => rig.service.core.sessions.waiting('sim') === 1);

    await a.call({ type: 'release', session: held.session.id });
    const got = await waiting;
    expect(got.type).toBe('acquired');
    expect(rig.service.core.sessions.list().map((s) => s.application)).toEqual(['raw-tool']);
    await b.call({ type: 'release', session: got.session.id });
    expect(rig.service.core.sessions.list()).toEqual([]);
    for (const c of [a, b]) c.socket.close();
    await Promise.all([a.closed, b.closed]);
  });

  it('an HTTP session bound to a client with X-Client-Id ends when that client disconnects', async () => {
    const c = await Client.open(rig.port, 'c', APP_TOKEN);
    const r = await fetch(`http://127.0.0.1:${rig.port}/api/sessions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${APP_TOKEN}`,
        'content-type': 'application/json',
        'x-client-id': c.clientId,
      },
      body: '{}',
    });
    expect(r.status).toBe(201);
    const s = (await r.json()) as Json;
    expect(s.clientId).toBe(c.clientId);
    c.socket.close();
    await c.closed;
    await until('released', () => rig.service.core.sessions.holder('sim') === undefined);
    const after = await http('/api/readers/sim/bank/read', { token: RAW_TOKEN });
    expect(after.status).toBe(200);
  });

  it('a client that disconnects during a PIN entry ends the entry on the reader', async () => {
    const a = await Client.open(rig.port, 'a', APP_TOKEN);
    const held = await a.call({ type: 'acquire' });
    const verify = http('/api/readers/sim/pin/verify', {
      session: held.session.id,
      body: { timeoutSeconds: 255 },
    });
    await a.next((m) => m.type === 'pin-entry-started');
    a.socket.terminate();
    const r = await verify;
    const body = (await r.json()) as Json;
    expect(r.status, JSON.stringify(body)).toBe(409);
    expect(body.error.code).toBe('cancelled');
    // The reader is free and works.
    const after = await http('/api/national/iReadCardBas', {
      token: RAW_TOKEN,
      body: { iType: 1 },
    });
    expect(((await after.json()) as Json).code).toBe(0);
  });

  it('bad messages get typed errors and the connection stays up', async () => {
    const c = await Client.open(rig.port, 'bad', APP_TOKEN);
    c.socket.send('not json');
    expect(await c.next((m) => m.type === 'error')).toMatchObject({
      error: { code: 'invalid-json' },
    });
    expect(await c.call({ type: 'fly' })).toMatchObject({
      type: 'error',
      error: { code: 'bad-request', message: expect.stringContaining('unknown message type') },
    });
    expect(await c.call({ type: 'acquire', timeoutMs: 'soon' })).toMatchObject({
      type: 'error',
      error: { code: 'bad-request' },
    });
    expect(await c.call({ type: 'release', session: 'nope' })).toMatchObject({
      error: { code: 'unknown-session' },
    });
    expect(await c.call({ type: 'ping' })).toMatchObject({ type: 'pong' });
    c.socket.close();
    await c.closed;
  });

  it('WebSocket upgrades are refused without a token, with a foreign Origin or Host', async () => {
    const attempt = (headers: Record<string, string>, query = '') =>
      new Promise<number>((resolve) => {
        const s = new WebSocket(`ws://127.0.0.1:${rig.port}/api/events${query}`, { headers });
        s.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        s.on('open', () => {
          s.close();
          resolve(101);
        });
        s.on('error', () => {});
      });
    expect(await attempt({})).toBe(401);
    expect(await attempt({}, '?token=wrong-wrong-wrong-wrong')).toBe(401);
    expect(await attempt({ origin: 'https://evil.example' }, `?token=${APP_TOKEN}`)).toBe(403);
    expect(await attempt({ host: 'evil.example' }, `?token=${APP_TOKEN}`)).toBe(403);
    expect(await attempt({}, `?token=${rig.service.core.access.panelToken}`)).toBe(403);
  });
});

describe('the reader panel socket', () => {
  it('at most MAX_PANEL_CLIENTS panels at once: the next gets a typed error and a 1013 close', async () => {
    const url = `ws://127.0.0.1:${rig.port}/panel/events?token=${rig.service.core.access.panelToken}`;
    const origin = `http://127.0.0.1:${rig.port}`;
    const open = () =>
      new Promise<{ socket: WebSocket; first: Json }>((resolve, reject) => {
        const socket = new WebSocket(url, { origin });
        socket.once('message', (d) => resolve({ socket, first: JSON.parse(String(d)) as Json }));
        socket.once('error', reject);
      });
    const panels: { socket: WebSocket; first: Json }[] = [];
    for (let i = 0; i < MAX_PANEL_CLIENTS; i++) panels.push(await open());
    for (const p of panels) expect(p.first.type).toBe('state');
    const extra = await open();
    expect(extra.first).toEqual({
      type: 'error',
      error: {
        code: 'too-many-clients',
        message: `at most ${MAX_PANEL_CLIENTS} reader panels at once`,
      },
    });
    const code = await new Promise<number>((r) => extra.socket.once('close', (c) => r(c)));
    expect(code).toBe(1013);
    // One goes, another may come.
    const gone = new Promise((r) => panels[0].socket.once('close', r));
    panels[0].socket.close();
    await gone;
    let again: { socket: WebSocket; first: Json } | undefined;
    for (let i = 0; i < 50 && again?.first.type !== 'state'; i++) {
      again?.socket.terminate();
      again = await open();
    }
    expect(again!.first.type).toBe('state');
    for (const p of [...panels.slice(1), again!]) p.socket.close();
  });
});

describe('the client limit', () => {
  it('one client past limits.maxClients gets a typed error and a 1013 close', async () => {
    const small = await serviceRig({ listen: true, limits: { maxClients: 2 } });
    try {
      const a = await Client.open(small.port, 'a', APP_TOKEN);
      const b = await Client.open(small.port, 'b', APP_TOKEN);
      const socket = new WebSocket(`ws://127.0.0.1:${small.port}/api/events`, {
        headers: { authorization: `Bearer ${APP_TOKEN}` },
      });
      const closeCode = new Promise<number>((r) => socket.once('close', (c) => r(c)));
      const third = new Client('c', socket);
      const error = await third.next((m) => m.type === 'error');
      expect(error.error).toEqual({ code: 'too-many-clients', message: 'at most 2 clients' });
      expect(await closeCode).toBe(1013);
      a.socket.close();
      b.socket.close();
      await Promise.all([a.closed, b.closed]);
    } finally {
      await small.close();
    }
  });
});
