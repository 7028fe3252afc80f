// The reader's USB cable pulled and plugged back while the service runs: the driver reports the
// reader detached, the service answers with typed errors (and the national −11), sessions on the
// reader end; then the driver reopens the link by itself and everything works again — no restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SSC3_PERSONAS } from '../../simulator/profiles/personas.ts';
import type { ServiceEventJson } from './event-bus.ts';
import { RAW_TOKEN, serviceRig, type Rig } from './testing/service-rig.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const json = (body: string): Json => JSON.parse(body) as Json;
const lina = SSC3_PERSONAS.find((p) => p.id === 'li-na')!;

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 50_000; i++) {
    if (done()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

let rig: Rig;
const seen: ServiceEventJson[] = [];
beforeAll(async () => {
  rig = await serviceRig();
  rig.service.core.bus.add({
    id: 'test',
    application: 'his',
    send: (t) => seen.push(JSON.parse(t)),
  });
});
afterAll(() => rig.close());

describe('unplug and replug without a restart', () => {
  it('detaches, answers typed errors, reattaches and reads again', async () => {
    const before = await rig.request({ method: 'POST', url: '/api/readers/sim/ssc/read' });
    expect(json(before.body).data.name).toBe(lina.name);
    const session = json(
      (await rig.request({ method: 'POST', url: '/api/sessions', token: RAW_TOKEN, payload: {} }))
        .body,
    );

    rig.service.core.sim!.unplug();
    await until('reader-detached', () => seen.some((e) => e.type === 'reader-detached'));
    expect(seen).toContainEqual(
      expect.objectContaining({
        type: 'reader-detached',
        reader: 'sim',
        error: expect.objectContaining({ code: 'reader-detached' }),
      }),
    );
    expect(seen).toContainEqual(
      expect.objectContaining({
        type: 'session-released',
        application: 'raw-tool',
        reason: 'reader-detached',
      }),
    );
    expect(seen).toContainEqual(expect.objectContaining({ type: 'card-removed', slot: 0 }));

    const list = json((await rig.request({ method: 'GET', url: '/api/readers' })).body);
    expect(list[0]).toMatchObject({
      id: 'sim',
      state: 'detached',
      slots: [],
      error: { code: 'reader-detached' },
    });
    const read = await rig.request({ method: 'POST', url: '/api/readers/sim/ssc/read' });
    expect(read.statusCode).toBe(503);
    expect(json(read.body).error.code).toBe('reader-detached');
    const national = await rig.request({
      method: 'POST',
      url: '/api/national/iReadCardBas',
      payload: {},
    });
    expect(json(national.body)).toEqual({ code: -11, pOutInfo: '读卡器连接错' });
    const stale = await rig.request({
      method: 'GET',
      url: `/api/sessions/${session.id}`,
      token: RAW_TOKEN,
    });
    expect(stale.statusCode).toBe(404);
    const metrics = await rig.request({ method: 'GET', url: '/metrics', token: null });
    expect(metrics.body).toContain('kiosk_reader_attached{reader="sim"} 0');

    const reattached = seen.length;
    rig.service.core.sim!.plug();
    await until('reader-attached', () =>
      seen.slice(reattached).some((e) => e.type === 'reader-attached'),
    );
    await until('card-inserted', () =>
      seen.slice(reattached).some((e) => e.type === 'card-inserted' && e.slot === 0),
    );
    const after = await rig.request({ method: 'POST', url: '/api/readers/sim/ssc/read' });
    expect(after.statusCode).toBe(200);
    expect(json(after.body).data).toMatchObject({
      name: lina.name,
      socialSecurityNumber: lina.ssn,
    });
    const n = await rig.request({ method: 'POST', url: '/api/national/iReadCardBas', payload: {} });
    expect(json(n.body).code).toBe(0);
    expect(json((await rig.request({ method: 'GET', url: '/api/readers/sim' })).body).state).toBe(
      'attached',
    );
  });

  it('a link cut in the middle of a read: a typed error, then recovery', async () => {
    const read = rig.request({ method: 'POST', url: '/api/readers/sim/ssc/read' });
    // Cut as soon as the card is being talked to.
    await until(
      'card powered',
      () => rig.service.core.hub.get('sim').reader.slots[0]?.powered ?? false,
    );
    rig.service.core.sim!.unplug();
    const r = await read;
    expect([200, 409, 503]).toContain(r.statusCode);
    if (r.statusCode !== 200)
      expect(json(r.body).error.code).toMatch(/reader-detached|card-removed/);
    const mark = seen.length;
    rig.service.core.sim!.plug();
    await until('reattached', () => seen.slice(mark).some((e) => e.type === 'card-inserted'));
    const again = await rig.request({ method: 'POST', url: '/api/readers/sim/ssc/read' });
    expect(again.statusCode).toBe(200);
  });
});
