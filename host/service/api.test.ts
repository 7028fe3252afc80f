// Every /api/ endpoint against the embedded simulated reader (the real firmware.wasm, virtual
// cards, fast mode): readers, the card operations with the personas' exact values, PIN entry on
// the keypad, raw APDUs and their permission, exclusive sessions, the national functions, the
// PIN limit, OpenAPI, metrics and the pages.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  HEALTH_PERSONAS,
  PSAM_PERSONAS,
  SSC3_PERSONAS,
} from '../../simulator/profiles/personas.ts';
import { hsmReadCardBas } from '../../simulator/profiles/test-hsm.ts';
import type { ServiceEventJson } from './event-bus.ts';
import { nationalOutcome } from './national.ts';
import { APP_TOKEN, RAW_TOKEN, serviceRig, WEB_TOKEN, type Rig } from './testing/service-rig.ts';

const lina = SSC3_PERSONAS.find((p) => p.id === 'li-na')!;
const psam = PSAM_PERSONAS[0];
const LINA_BAS =
  [
    lina.cardId.slice(0, 6),
    lina.ssn,
    lina.cardNo,
    lina.cardId,
    lina.name,
    lina.historicalBytes,
    lina.specVersion,
    lina.issueDate,
    lina.expiryDate,
    psam.terminalNumber,
    '',
  ].join('|') + '|';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const json = (body: string): Json => JSON.parse(body) as Json;

function events(rig: Rig): ServiceEventJson[] {
  const seen: ServiceEventJson[] = [];
  rig.service.core.hub.on('event', (e) => seen.push(e));
  rig.service.core.sessions.on('event', (e) => seen.push(e));
  return seen;
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 20_000; i++) {
    if (done()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

/** Swaps the card in the user slot and waits until the driver has seen it. */
async function swapCard(rig: Rig, spec: string): Promise<void> {
  const seen = events(rig);
  const sim = rig.service.core.sim!;
  sim.remove(0);
  await until('card-removed', () => seen.some((e) => e.type === 'card-removed'));
  sim.insert(0, spec);
  await until('card-inserted', () => seen.some((e) => e.type === 'card-inserted'));
}

const typeKeys = (rig: Rig, script: string) => rig.service.core.sim!.sim.typeKeys(script);

describe('readers and slots', () => {
  let rig: Rig;
  beforeAll(async () => (rig = await serviceRig()));
  afterAll(() => rig.close());

  it('GET /api/readers lists the simulated reader, attached, native, with its slots', async () => {
    const r = await rig.request({ method: 'GET', url: '/api/readers' });
    expect(r.statusCode).toBe(200);
    expect(json(r.body)).toEqual([
      {
        id: 'sim',
        path: 'sim:embedded',
        simulated: true,
        state: 'attached',
        profile: 'native',
        capabilities: { pinPad: true, display: expect.any(Boolean), beeper: expect.any(Boolean) },
        slots: [
          { index: 0, kind: 'user', present: true, powered: expect.any(Boolean) },
          { index: 1, kind: 'sam', present: true, powered: expect.any(Boolean) },
          { index: 2, kind: 'sam', present: false, powered: false },
        ],
      },
    ]);
  });

  it('GET /api/readers/:reader and /slots; an unknown reader is 404', async () => {
    const one = await rig.request({ method: 'GET', url: '/api/readers/sim' });
    expect(json(one.body).id).toBe('sim');
    const slots = await rig.request({ method: 'GET', url: '/api/readers/sim/slots' });
    expect(json(slots.body).map((s: Json) => s.kind)).toEqual(['user', 'sam', 'sam']);
    const none = await rig.request({ method: 'GET', url: '/api/readers/ttyUSB9' });
    expect(none.statusCode).toBe(404);
    expect(json(none.body).error).toEqual({
      code: 'unknown-reader',
      message: 'no reader "ttyUSB9" (readers: sim)',
    });
  });

  it('GET /api/info names the application and the pages', async () => {
    const r = await rig.request({ method: 'GET', url: '/api/info' });
    expect(json(r.body)).toMatchObject({
      service: 'kiosk-reader',
      application: 'his',
      simulated: true,
      pages: { kiosk: '/', panel: '/panel', openapi: '/openapi.json' },
    });
  });
});

describe('a configured serial reader that is not there', () => {
  it('is listed as not attached, and the simulated reader serves meanwhile', async () => {
    const rig = await serviceRig({ serialPorts: ['/nonexistent/ttyKIOSK0'] });
    try {
      const list = json((await rig.request({ method: 'GET', url: '/api/readers' })).body);
      expect(list.map((r: Json) => [r.id, r.simulated, r.state === 'attached'])).toEqual([
        ['ttyKIOSK0', false, false],
        ['sim', true, true],
      ]);
      expect(list[0].slots).toEqual([]);
      const r = await rig.request({ method: 'POST', url: '/api/readers/ttyKIOSK0/ssc/read' });
      expect(r.statusCode).toBe(503);
      expect(json(r.body).error.code).toBe('reader-detached');
      // The national functions pick the attached reader by themselves.
      const n = await rig.request({
        method: 'POST',
        url: '/api/national/iReadBankNumber',
        payload: {},
      });
      expect(json(n.body)).toEqual({ code: 0, pOutInfo: `${lina.bank.pan}|` });
    } finally {
      await rig.close();
    }
  });
});

describe('card operations', () => {
  let rig: Rig;
  beforeAll(async () => (rig = await serviceRig()));
  afterAll(() => rig.close());

  it("ssc/read: the persona's data, authenticated through the PSAM", async () => {
    const r = await rig.request({ method: 'POST', url: '/api/readers/sim/ssc/read' });
    expect(r.statusCode).toBe(200);
    expect(json(r.body).data).toMatchObject({
      regionCode: '440305',
      socialSecurityNumber: lina.ssn,
      cardNumber: lina.cardNo,
      cardId: lina.cardId,
      name: lina.name,
      issueDate: lina.issueDate,
      expiryDate: lina.expiryDate,
      terminalNumber: psam.terminalNumber,
      authentication: 'psam',
    });
  });

  it('bank/read: the PAN, expiry and holder of the bank application', async () => {
    const r = await rig.request({ method: 'POST', url: '/api/readers/sim/bank/read', payload: {} });
    expect(r.statusCode).toBe(200);
    expect(json(r.body).data).toMatchObject({
      pan: lina.bank.pan,
      expiry: lina.bank.expiry,
      holderName: lina.bank.holder,
    });
  });

  it('health/read on a health card, with the clinical summary on request', async () => {
    await swapCard(rig, 'health:zhou-xiaomei');
    const h = HEALTH_PERSONAS[0];
    const r = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/health/read',
      payload: { include: { clinical: true, contacts: true } },
    });
    expect(r.statusCode).toBe(200);
    const data = json(r.body).data;
    expect(data.issuer).toMatchObject({ issuerName: h.issuerName, cardNumber: h.cardNo });
    expect(data.holder).toMatchObject({ name: h.name, idNumber: h.idNumber, phone1: h.phone1 });
    expect(data.clinical.abo.code).toBe(h.abo);
    expect(data.contacts[0]).toMatchObject({ name: h.contact1Name, phone: h.contact1Phone });
    // The national health-card reads on the same card.
    const ef06 = await rig.request({
      method: 'POST',
      url: '/api/national/iR_DDF1EF06Info',
      payload: {},
    });
    expect(json(ef06.body)).toEqual({
      code: 0,
      pOutInfo: `${h.name}|${h.sex}|${h.ethnicity}|${h.birthDate}|${h.idNumber}|`,
    });
    const ef08 = await rig.request({
      method: 'POST',
      url: '/api/national/iR_DDF1EF08Info',
      payload: {},
    });
    expect(json(ef08.body).pOutInfo).toBe(
      `${h.expiryDate}|${h.phone1}|${h.phone2}|${h.payment1}|${h.payment2}||`,
    );
    const ef05 = await rig.request({
      method: 'POST',
      url: '/api/national/iR_DDF1EF05Info',
      payload: {},
    });
    expect(json(ef05.body).pOutInfo.split('|')).toEqual([
      h.cardType,
      h.specVersion,
      h.issuerName,
      h.issuerCode.slice(0, 22),
      '',
      h.issueDate,
      h.cardNo,
      h.securityCode,
      h.chipSerial,
      h.cityCode,
      '',
    ]);
    // A social security read of a health card: a typed card error.
    const ssc = await rig.request({ method: 'POST', url: '/api/readers/sim/ssc/read' });
    expect(ssc.statusCode).toBe(422);
    expect(json(ssc.body).error).toMatchObject({
      code: 'card-error',
      national: { code: expect.any(Number) },
    });
    await swapCard(rig, 'ssc3:li-na');
  });

  it('no card: 409 no-card; the national function answers −2 无卡', async () => {
    const seen = events(rig);
    rig.service.core.sim!.remove(0);
    await until('card-removed', () => seen.some((e) => e.type === 'card-removed'));
    const r = await rig.request({ method: 'POST', url: '/api/readers/sim/ssc/read' });
    expect(r.statusCode).toBe(409);
    expect(json(r.body).error.code).toBe('no-card');
    const n = await rig.request({
      method: 'POST',
      url: '/api/national/iReadCardBas',
      payload: { iType: 1 },
    });
    expect(json(n.body)).toEqual({ code: -2, pOutInfo: '无卡' });
    const h = await rig.request({
      method: 'POST',
      url: '/api/national/iR_DDF1EF06Info',
      payload: {},
    });
    expect(json(h.body)).toEqual({ code: 104, pOutInfo: '卡片错误|' });
    rig.service.core.sim!.insert(0, 'ssc3:li-na');
    await until('card-inserted', () => seen.some((e) => e.type === 'card-inserted'));
  });
});

describe('PIN on the reader keypad', () => {
  let rig: Rig;
  afterEach(() => rig.close());

  it('verify: ok; wrong with the tries left; progress events count digits to this application only', async () => {
    rig = await serviceRig();
    const sent: { app: string; event: Json }[] = [];
    for (const app of ['his', 'web-app']) {
      rig.service.core.bus.add({
        id: `test-${app}`,
        application: app,
        send: (t) => sent.push({ app, event: JSON.parse(t) as Json }),
      });
    }
    typeKeys(rig, '1 2 3 4 5 6 enter');
    const ok = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/pin/verify',
      payload: {},
    });
    expect(ok.statusCode).toBe(200);
    expect(json(ok.body)).toEqual({ outcome: 'ok' });
    const progress = sent.filter((s) => s.event.type === 'pin-progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((s) => s.app === 'his')).toBe(true);
    expect(Math.max(...progress.map((s) => s.event.digits as number))).toBeLessThanOrEqual(6);
    expect(
      sent.filter((s) => s.event.type === 'pin-entry-ended').map((s) => s.event.outcome),
    ).toEqual(['ok']);

    typeKeys(rig, '9 9 9 9 9 9 enter');
    const wrong = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/pin/verify',
      payload: { language: 'en' },
    });
    expect(json(wrong.body)).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });

    typeKeys(rig, 'cancel');
    const cancelled = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/pin/verify',
      payload: {},
    });
    expect(json(cancelled.body)).toEqual({ outcome: 'cancelled' });
  });

  it('change: old, new, new again; then the new PIN verifies; mismatch is reported', async () => {
    rig = await serviceRig();
    typeKeys(rig, '1 2 3 4 5 6 enter 2 4 6 8 1 3 enter 2 4 6 8 1 3 enter');
    const change = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/pin/change',
      payload: {},
    });
    expect(json(change.body)).toEqual({ outcome: 'ok' });
    typeKeys(rig, '2 4 6 8 1 3 enter');
    const verify = await rig.request({
      method: 'POST',
      url: '/api/national/iVerifyPIN',
      payload: { iType: 1 },
    });
    expect(json(verify.body)).toEqual({ code: 0, pOutInfo: '' });
    typeKeys(rig, '2 4 6 8 1 3 enter 1 1 1 1 1 1 enter 2 2 2 2 2 2 enter');
    const mismatch = await rig.request({
      method: 'POST',
      url: '/api/national/iChangePIN',
      payload: {},
    });
    expect(json(mismatch.body)).toEqual({ code: -34, pOutInfo: '两次输入密码不一致' });
    typeKeys(rig, '0 0 0 0 enter');
    const wrong = await rig.request({
      method: 'POST',
      url: '/api/national/iVerifyPIN',
      payload: { gbk: true },
    });
    const w = json(wrong.body);
    expect(w).toMatchObject({ code: -51, pOutInfo: 'PIN校验失败，剩余次数2次' });
    expect(w.gbkHex).toMatch(/^50494E/); // "PIN" then GBK text
  });

  it('too many PIN operations from one application: 429 with Retry-After; others are not limited', async () => {
    rig = await serviceRig({ limits: { pinPerMinute: 2 } });
    for (let i = 0; i < 2; i++) {
      typeKeys(rig, 'cancel');
      const r = await rig.request({
        method: 'POST',
        url: '/api/readers/sim/pin/verify',
        payload: {},
      });
      expect(json(r.body)).toEqual({ outcome: 'cancelled' });
    }
    const limited = await rig.request({
      method: 'POST',
      url: '/api/national/iVerifyPIN',
      payload: {},
    });
    expect(limited.statusCode).toBe(429);
    expect(json(limited.body).error.code).toBe('too-many-pin-operations');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    typeKeys(rig, 'cancel');
    const other = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/pin/verify',
      token: RAW_TOKEN,
      payload: {},
    });
    expect(json(other.body)).toEqual({ outcome: 'cancelled' });
    rig.clock.advance(60_000);
    typeKeys(rig, 'cancel');
    const again = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/pin/verify',
      payload: {},
    });
    expect(again.statusCode).toBe(200);
  });
});

describe('raw APDUs', () => {
  let rig: Rig;
  beforeAll(async () => (rig = await serviceRig()));
  afterAll(() => rig.close());
  const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF00';

  it('an application without rawApdu: 403', async () => {
    const r = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/slots/0/apdu',
      payload: { apdus: [SELECT_SSSE] },
    });
    expect(r.statusCode).toBe(403);
    expect(json(r.body).error.code).toBe('raw-apdu-not-allowed');
  });

  it('with rawApdu: answers in order, in one transaction', async () => {
    const r = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/slots/0/apdu',
      token: RAW_TOKEN,
      payload: { apdus: [SELECT_SSSE, '00B2012C00'] },
    });
    expect(r.statusCode).toBe(200);
    const { responses } = json(r.body);
    expect(responses).toHaveLength(2);
    expect(responses[0].sw).toBe('9000');
    expect(responses[1]).toEqual({ data: '0110' + lina.cardId, sw: '9000' });
  });

  it('PIN-bearing commands are refused even then, before any byte goes to the card', async () => {
    const sent = rig.service.core.metrics.operations.get({ operation: 'apdu', outcome: 'ok' });
    for (const apdu of [
      '0020000003123456',
      '805E0100071234FF567890',
      '0024000006112233445566',
      '002C000003123456',
      // VERIFY with the odd INS (BER-TLV data), in another class, and the other odd PIN commands.
      '0021008106313233343536',
      '8020000003123456',
      '0025000006112233445566',
      '002D000003123456',
      // CHANGE PIN in any proprietary class.
      '905E0100071234FF567890',
      'E05E0100071234FF567890',
      // VERIFY inside ENVELOPE (even and odd), and a piece of a chained command.
      '00C2000008002000010331323300',
      '00C3000008002000010331323300',
      '10200001023132',
      '10A404000F7378312E73682EC9E7BBE1B1A3D5CF',
    ]) {
      const r = await rig.request({
        method: 'POST',
        url: '/api/readers/sim/slots/0/apdu',
        token: RAW_TOKEN,
        payload: { apdus: [apdu] },
      });
      expect(r.statusCode, apdu).toBe(403);
      expect(json(r.body).error.code).toBe('pin-apdu-refused');
    }
    // A PIN command hidden behind an allowed one is refused too: the whole request, nothing sent.
    const mixed = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/slots/0/apdu',
      token: RAW_TOKEN,
      payload: { apdus: [SELECT_SSSE, '0021008106313233343536'] },
    });
    expect(mixed.statusCode).toBe(403);
    expect(json(mixed.body).error.message).toContain('apdus[1]');
    expect(rig.service.core.metrics.operations.get({ operation: 'apdu', outcome: 'ok' })).toBe(
      sent,
    );
    // VERIFY without data (the tries left) goes to the card.
    const tries = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/slots/0/apdu',
      token: RAW_TOKEN,
      payload: { apdus: [SELECT_SSSE, '00200000'] },
    });
    expect(tries.statusCode).toBe(200);
  });

  it('bad APDUs and slots: 400 / 404', async () => {
    const odd = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/slots/0/apdu',
      token: RAW_TOKEN,
      payload: { apdus: ['00A4'] },
    });
    expect(odd.statusCode).toBe(400);
    const slot = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/slots/7/apdu',
      token: RAW_TOKEN,
      payload: { apdus: ['00A40000'] },
    });
    expect(slot.statusCode).toBe(404);
    const empty = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/slots/2/apdu',
      token: RAW_TOKEN,
      payload: { apdus: ['00A40000'] },
    });
    expect(empty.statusCode).toBe(409);
    expect(json(empty.body).error.code).toBe('no-card');
  });
});

describe('operation deadlines and the per-reader queue', () => {
  let rig: Rig;
  beforeAll(async () => (rig = await serviceRig({ limits: { operationMs: 5000, maxQueued: 2 } })));
  afterAll(() => rig.close());
  const his = { application: 'his', rawApdu: false };

  /** An operation that never ends by itself (a wedged reader), with the signal it was given. */
  function hang(deadlineMs: number) {
    let signal: AbortSignal | undefined;
    const result = rig.service.core.ops
      .run(
        his,
        'sim',
        'test.hang',
        (_entry, s) => {
          signal = s;
          return new Promise<never>(() => {});
        },
        () => 'ok',
        deadlineMs,
      )
      .then(
        () => undefined,
        (e: unknown) => e as { status: number; code: string; message: string },
      );
    return { result, signal: () => signal };
  }

  it('an operation past its deadline: 504, its signal fires, and the reader goes to the next one', async () => {
    const stuck = hang(1000);
    await until('the hang runs', () => stuck.signal() !== undefined);
    const read1 = rig.request({ method: 'POST', url: '/api/readers/sim/ssc/read' });
    const read2 = rig.request({ method: 'POST', url: '/api/national/iReadCardBas', payload: {} });
    await until('two wait', () => rig.service.core.ops.queued('sim') === 3);
    // The line is full: a clear 503, at once.
    const full = await rig.request({ method: 'POST', url: '/api/readers/sim/bank/read' });
    expect(full.statusCode).toBe(503);
    expect(full.headers['retry-after']).toBe('1');
    expect(json(full.body).error).toEqual({
      code: 'reader-queue-full',
      message: 'reader "sim" already has 2 operations waiting; try again shortly',
    });

    rig.clock.advance(1000);
    expect(await stuck.result).toMatchObject({
      status: 504,
      code: 'operation-timeout',
      message: 'test.hang on reader "sim" did not finish within 1000 ms and was stopped',
    });
    expect(stuck.signal()!.aborted).toBe(true);
    // It never settles: the reader is freed after the driver's control timeout (3 s).
    rig.clock.advance(2999);
    expect(rig.service.core.ops.queued('sim')).toBe(3);
    rig.clock.advance(1);
    expect((await read1).statusCode).toBe(200);
    expect(json((await read2).body)).toEqual({ code: 0, pOutInfo: LINA_BAS });
    expect(rig.service.core.ops.queued('sim')).toBe(0);
    const metrics = (await rig.request({ method: 'GET', url: '/metrics', token: null })).body;
    expect(metrics).toContain(
      'kiosk_reader_operations_total{operation="test.hang",outcome="operation-timeout"} 1',
    );
    expect(metrics).toContain('kiosk_reader_operations_queued{reader="sim"} 0');
  });

  it('an operation that waits for the reader past its deadline: 504 and it never runs', async () => {
    const stuck = hang(20_000);
    await until('the hang runs', () => stuck.signal() !== undefined);
    const before = rig.service.core.metrics.operations.get({
      operation: 'bank.read',
      outcome: 'ok',
    });
    const waiting = rig.request({ method: 'POST', url: '/api/readers/sim/bank/read' });
    await until('it waits', () => rig.service.core.ops.queued('sim') === 2);
    rig.clock.advance(5000);
    const r = await waiting;
    expect(r.statusCode).toBe(504);
    expect(json(r.body).error).toEqual({
      code: 'operation-timeout',
      message: 'bank.read waited 5000 ms for reader "sim" and was not started',
    });
    expect(rig.service.core.ops.queued('sim')).toBe(1);
    rig.clock.advance(15_000 + 3000);
    await stuck.result;
    expect(rig.service.core.ops.queued('sim')).toBe(0);
    expect(rig.service.core.metrics.operations.get({ operation: 'bank.read', outcome: 'ok' })).toBe(
      before,
    );
  });

  it('a PIN entry gets the keypad bound on top, for each PIN and a longer first key', () => {
    const ops = rig.service.core.ops;
    expect(ops.deadlineMs()).toBe(5000);
    expect(ops.deadlineMs(1)).toBe(5000 + 270_000);
    expect(ops.deadlineMs(3, 90)).toBe(5000 + 3 * (270_000 + 60_000));
  });
});

describe('exclusive sessions', () => {
  let rig: Rig;
  beforeAll(async () => (rig = await serviceRig()));
  afterAll(() => rig.close());

  it('one holder at a time: others get 409 reader-busy, the holder works under X-Session-Id', async () => {
    const seen = events(rig);
    const created = await rig.request({
      method: 'POST',
      url: '/api/sessions',
      payload: { reader: 'sim' },
    });
    expect(created.statusCode).toBe(201);
    const s = json(created.body);
    expect(s).toMatchObject({ reader: 'sim', application: 'his', timeoutMs: 30_000 });
    expect(seen).toContainEqual({ type: 'session-acquired', reader: 'sim', application: 'his' });

    const other = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/ssc/read',
      token: RAW_TOKEN,
    });
    expect(other.statusCode).toBe(409);
    expect(json(other.body).error).toMatchObject({ code: 'reader-busy', holder: 'his' });
    const otherSession = await rig.request({
      method: 'POST',
      url: '/api/sessions',
      token: RAW_TOKEN,
      payload: {},
    });
    expect(otherSession.statusCode).toBe(409);
    // Even the same application needs its session id while it holds the reader.
    const without = await rig.request({ method: 'POST', url: '/api/readers/sim/ssc/read' });
    expect(without.statusCode).toBe(409);

    const mine = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/ssc/read',
      headers: { 'x-session-id': s.id },
    });
    expect(mine.statusCode).toBe(200);
    const national = await rig.request({
      method: 'POST',
      url: '/api/national/iReadCardBas',
      headers: { 'x-session-id': s.id },
      payload: { iType: 1 },
    });
    expect(json(national.body)).toEqual({ code: 0, pOutInfo: LINA_BAS });

    // Another application cannot see, use or release it.
    const peek = await rig.request({
      method: 'GET',
      url: `/api/sessions/${s.id}`,
      token: RAW_TOKEN,
    });
    expect(peek.statusCode).toBe(404);
    const steal = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/bank/read',
      token: RAW_TOKEN,
      headers: { 'x-session-id': s.id },
    });
    expect(steal.statusCode).toBe(404);
    const free = await rig.request({
      method: 'DELETE',
      url: `/api/sessions/${s.id}`,
      token: RAW_TOKEN,
    });
    expect(free.statusCode).toBe(404);

    const list = await rig.request({ method: 'GET', url: '/api/sessions' });
    expect(json(list.body).map((x: Json) => x.id)).toEqual([s.id]);
    const reader = await rig.request({ method: 'GET', url: '/api/readers/sim' });
    expect(json(reader.body).session).toMatchObject({ application: 'his' });

    const del = await rig.request({ method: 'DELETE', url: `/api/sessions/${s.id}` });
    expect(del.statusCode).toBe(204);
    expect(seen).toContainEqual({
      type: 'session-released',
      reader: 'sim',
      application: 'his',
      reason: 'released',
    });
    const after = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/ssc/read',
      token: RAW_TOKEN,
    });
    expect(after.statusCode).toBe(200);
    const gone = await rig.request({ method: 'GET', url: `/api/sessions/${s.id}` });
    expect(gone.statusCode).toBe(404);
    expect(json(gone.body).error.code).toBe('unknown-session');
  });

  it('an idle session ends after its timeout; keepalive restarts it', async () => {
    const seen = events(rig);
    const s = json(
      (await rig.request({ method: 'POST', url: '/api/sessions', payload: { timeoutMs: 1000 } }))
        .body,
    );
    rig.clock.advance(900);
    const kept = await rig.request({ method: 'POST', url: `/api/sessions/${s.id}/keepalive` });
    expect(kept.statusCode).toBe(200);
    rig.clock.advance(900);
    expect((await rig.request({ method: 'GET', url: `/api/sessions/${s.id}` })).statusCode).toBe(
      200,
    );
    rig.clock.advance(100);
    expect((await rig.request({ method: 'GET', url: `/api/sessions/${s.id}` })).statusCode).toBe(
      404,
    );
    expect(seen).toContainEqual({
      type: 'session-released',
      reader: 'sim',
      application: 'his',
      reason: 'timeout',
    });
  });

  it('waitMs: a second client waits and gets the reader when the first releases it', async () => {
    const first = json(
      (await rig.request({ method: 'POST', url: '/api/sessions', payload: {} })).body,
    );
    const waiting = rig.request({
      method: 'POST',
      url: '/api/sessions',
      token: RAW_TOKEN,
      payload: { waitMs: 5000 },
    });
    await until('the second waits', () => rig.service.core.sessions.waiting('sim') === 1);
    await rig.request({ method: 'DELETE', url: `/api/sessions/${first.id}` });
    const second = await waiting;
    expect(second.statusCode).toBe(201);
    expect(json(second.body).application).toBe('raw-tool');
    // A third waits past its waitMs: 409.
    const third = rig.request({ method: 'POST', url: '/api/sessions', payload: { waitMs: 2000 } });
    await until('the third waits', () => rig.service.core.sessions.waiting('sim') === 1);
    rig.clock.advance(1999);
    expect(rig.service.core.sessions.waiting('sim')).toBe(1);
    rig.clock.advance(1);
    const refused = await third;
    expect(refused.statusCode).toBe(409);
    expect(json(refused.body).error.message).toContain('waited 2000 ms');
    await rig.request({
      method: 'DELETE',
      url: `/api/sessions/${json(second.body).id}`,
      token: RAW_TOKEN,
    });
  });

  it('X-Client-Id must name an open events socket of the application', async () => {
    const r = await rig.request({
      method: 'POST',
      url: '/api/sessions',
      headers: { 'x-client-id': '0123456789abcdef01234567' },
      payload: {},
    });
    expect(r.statusCode).toBe(400);
    expect(json(r.body).error.message).toContain('X-Client-Id');
  });

  it('limits on timeouts are part of the schema', async () => {
    const r = await rig.request({
      method: 'POST',
      url: '/api/sessions',
      payload: { timeoutMs: 10 },
    });
    expect(r.statusCode).toBe(400);
    expect(json(r.body).error.message).toBe('body/timeoutMs must be >= 100');
  });
});

describe('the national interface', () => {
  let rig: Rig;
  beforeAll(async () => (rig = await serviceRig()));
  afterAll(() => rig.close());
  const call = (fn: string, payload: object = {}, token = APP_TOKEN) =>
    rig.request({ method: 'POST', url: `/api/national/${fn}`, payload, token }).then((r) => ({
      status: r.statusCode,
      body: json(r.body),
    }));

  it('iReadCardBas: the 11 fields byte for byte, GBK on request', async () => {
    const r = await call('iReadCardBas', { iType: 1 });
    expect(r).toEqual({ status: 200, body: { code: 0, pOutInfo: LINA_BAS } });
    const g = await call('iReadCardBas', { iType: 3, gbk: true });
    expect(g.body.gbkHex).toContain('C0EEC4C8'); // 李娜 in GBK
    expect(Buffer.from(g.body.gbkHex, 'hex').toString('latin1').split('|')).toHaveLength(12);
  });

  it('iType 2 (contactless) and a bad iType: national codes', async () => {
    expect((await call('iReadCardBas', { iType: 2 })).body).toEqual({
      code: -13,
      pOutInfo: '不支持该命令',
    });
    expect((await call('iReadCardBas', { iType: 9 })).body).toEqual({
      code: -14,
      pOutInfo: '命令参数错',
    });
  });

  it('the HSM steps: Step1 gives the 8 fields; Step2 without Step1 is −14', async () => {
    const s1 = await call('iReadCardBas_HSM_Step1', { iType: 1 });
    expect(s1.body.code).toBe(0);
    expect(s1.body.pOutInfo.split('|')).toHaveLength(9);
    expect(s1.body.pOutInfo.startsWith(`440305|${lina.historicalBytes}|03|${lina.cardId}|`)).toBe(
      true,
    );
    // Until his Step2 the reader is his: another application is refused, not let in to replace
    // the card's challenge.
    const other = await call('iReadCardBas_HSM_Step2', { pKey: 'AA|BB|' }, RAW_TOKEN);
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'reader-busy', holder: 'his' });
    const read = await call('iReadCardBas', { iType: 1 }, RAW_TOKEN);
    expect(read.status).toBe(409);
    // Step2 with the HSM's answer (the test HSM, test keys): the 11 fields; the reader is free.
    const s2 = await call('iReadCardBas_HSM_Step2', { pKey: hsmReadCardBas(s1.body.pOutInfo) });
    expect(s2.body).toEqual({ code: 0, pOutInfo: LINA_BAS });
    expect(rig.service.core.sessions.holder('sim')).toBeUndefined();
    // Each application has its own HSM step: raw-tool never did Step1.
    const none = await call('iReadCardBas_HSM_Step2', { pKey: 'AA|BB|' }, RAW_TOKEN);
    expect(none.body.code).toBe(-14);
    const missing = await call('iReadCardBas_HSM_Step2', {});
    expect(missing.status).toBe(400);
  });

  it('the HSM reservation ends after limits.hsmStepMs, when the caller moves on, or disconnects', async () => {
    const seen = events(rig);
    const s1 = await call('iReadCardBas_HSM_Step1', { iType: 1 });
    expect(s1.body.code).toBe(0);
    expect(rig.service.core.sessions.holder('sim')?.application).toBe('his');
    rig.clock.advance(rig.service.core.config.limits.hsmStepMs);
    expect(rig.service.core.sessions.holder('sim')).toBeUndefined();
    expect(seen).toContainEqual({
      type: 'session-released',
      reader: 'sim',
      application: 'his',
      reason: 'timeout',
    });
    expect((await call('iReadCardBas', { iType: 1 }, RAW_TOKEN)).body.code).toBe(0);

    // The caller gives up on the HSM path and reads another way: its reservation ends first.
    await call('iReadCardBas_HSM_Step1', { iType: 1 });
    expect(rig.service.core.sessions.holder('sim')?.application).toBe('his');
    expect((await call('iReadBankNumber', {})).body.code).toBe(0);
    expect(rig.service.core.sessions.holder('sim')).toBeUndefined();

    // A caller with an events socket (X-Client-Id): its reservation ends when the socket closes.
    rig.service.core.bus.add({ id: 'hsm-client', application: 'his', send: () => {} });
    const withClient = await rig.request({
      method: 'POST',
      url: '/api/national/iReadCardBas_HSM_Step1',
      headers: { 'x-client-id': 'hsm-client' },
      payload: { iType: 1 },
    });
    expect(json(withClient.body).code).toBe(0);
    expect(rig.service.core.sessions.holder('sim')).toMatchObject({ clientId: 'hsm-client' });
    rig.service.core.bus.remove('hsm-client');
    rig.service.core.sessions.releaseClient('hsm-client');
    expect(rig.service.core.sessions.holder('sim')).toBeUndefined();

    // A failed Step1 keeps nothing.
    const bad = await call('iReadCardBas_HSM_Step1', { iType: 9 });
    expect(bad.body.code).toBe(-14);
    expect(rig.service.core.sessions.holder('sim')).toBeUndefined();
  });

  it('metrics name outcomes from a small fixed set, never the code', async () => {
    await call('iReadCard', {
      iType: 1,
      iAuthType: 2,
      pCardInfo: `${lina.cardId}|X00000000|`,
      pFileAddr: 'SSSEEF05|07|$',
    });
    // A file the card does not have: the card's status word comes back as the code.
    const sw = await call('iReadCard', {
      iType: 1,
      iAuthType: 2,
      pCardInfo: `${lina.cardId}|${lina.cardNo}|`,
      pFileAddr: 'SSSEEF0E|01|$',
    });
    expect(sw.body.code).toBeLessThan(-0x6000);
    const text = (await rig.request({ method: 'GET', url: '/metrics', token: null })).body;
    expect(text).toContain(
      'kiosk_reader_operations_total{operation="national.iReadCard",outcome="data-mismatch"}',
    );
    expect(text).toContain(
      'kiosk_reader_operations_total{operation="national.iReadCard",outcome="card-status-word"}',
    );
    expect(text).not.toMatch(/outcome="code /);
    expect(nationalOutcome('iReadCardBas', -0x6a82)).toBe('card-status-word');
    expect(nationalOutcome('iReadCardBas', -2203)).toBe('psam-no-rkssse');
    expect(nationalOutcome('iVerifyPIN', -51)).toBe('pin-wrong');
    expect(nationalOutcome('iR_DDF1EF06Info', 102)).toBe('health-no-file');
    expect(nationalOutcome('iR_DDF1EF06Info', 999)).toBe('other');
    expect(nationalOutcome('iReadCardBas', 12345)).toBe('other');
  });

  it('iReadCard by file address', async () => {
    const r = await call('iReadCard', {
      iType: 1,
      iAuthType: 2,
      pCardInfo: `${lina.cardId}|${lina.cardNo}|`,
      pFileAddr: 'SSSEEF05|07|$SSSEEF06|08|09|$',
    });
    expect(r.body).toEqual({
      code: 0,
      pOutInfo: `SSSEEF05|${lina.cardNo}|$SSSEEF06|${lina.ssn}|${lina.name}|$`,
    });
    const wrongCard = await call('iReadCard', {
      iType: 1,
      iAuthType: 2,
      pCardInfo: `${lina.cardId}|X00000000|`,
      pFileAddr: 'SSSEEF05|07|$',
    });
    expect(wrongCard.body.code).toBe(-22);
  });

  it('iReadCard with iAuthType 1: the holder types the PIN on the keypad', async () => {
    typeKeys(rig, '1 2 3 4 5 6 enter');
    const r = await call('iReadCard', {
      iType: 1,
      iAuthType: 1,
      pCardInfo: `${lina.cardId}|${lina.cardNo}|`,
      pFileAddr: 'DF01EF0A|31|$',
    });
    expect(r.body).toEqual({ code: 0, pOutInfo: `DF01EF0A|${lina.nationality}|$` });
  });

  it('iReadBankNumber: PAN|', async () => {
    expect((await call('iReadBankNumber', { iType: 1 })).body).toEqual({
      code: 0,
      pOutInfo: `${lina.bank.pan}|`,
    });
  });

  it('health reads on a social security card: an interface code, not a crash', async () => {
    const r = await call('iR_DDF1EF06Info');
    expect(r.status).toBe(200);
    expect([102, 103, 104, 106]).toContain(r.body.code);
  });

  it('unknown national functions are 404', async () => {
    const r = await call('iWriteCard', {});
    expect(r.status).toBe(404);
  });
});

describe('documents, metrics and pages', () => {
  let rig: Rig;
  beforeAll(async () => (rig = await serviceRig()));
  afterAll(() => rig.close());

  it('/openapi.json documents every API route with its schemas', async () => {
    const r = await rig.request({ method: 'GET', url: '/openapi.json', token: null });
    expect(r.statusCode).toBe(200);
    const doc = json(r.body);
    expect(doc.openapi).toBe('3.0.3');
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/api/readers',
      '/api/readers/{reader}',
      '/api/readers/{reader}/slots',
      '/api/readers/{reader}/ssc/read',
      '/api/readers/{reader}/health/read',
      '/api/readers/{reader}/bank/read',
      '/api/readers/{reader}/pin/verify',
      '/api/readers/{reader}/pin/change',
      '/api/readers/{reader}/slots/{slot}/apdu',
      '/api/sessions',
      '/api/sessions/{id}',
      '/api/national/iReadCardBas',
      '/api/national/iVerifyPIN',
      '/api/national/iR_DDF1EF05Info',
      '/api/events',
    ])
      expect(paths, p).toContain(p);
    expect(paths.some((p) => p.startsWith('/panel'))).toBe(false);
    const verify = doc.paths['/api/readers/{reader}/pin/verify'].post;
    expect(Object.keys(verify.requestBody.content['application/json'].schema.properties)).toEqual([
      'language',
      'timeoutSeconds',
    ]);
  });

  it('/metrics: Prometheus text with operations, latency, reader state', async () => {
    await rig.request({ method: 'POST', url: '/api/readers/sim/ssc/read' });
    await rig.request({ method: 'POST', url: '/api/readers/sim/ssc/read', token: WEB_TOKEN });
    const r = await rig.request({ method: 'GET', url: '/metrics', token: null });
    expect(r.headers['content-type']).toContain('text/plain; version=0.0.4');
    const text = r.body;
    expect(text).toContain('kiosk_reader_operations_total{operation="ssc.read",outcome="ok"} 2');
    expect(text).toMatch(/kiosk_reader_operation_duration_seconds_count\{operation="ssc.read"\} 2/);
    expect(text).toContain('kiosk_reader_attached{reader="sim"} 1');
    expect(text).toContain('kiosk_reader_card_present{kind="user",reader="sim",slot="0"} 1');
    expect(text).toMatch(
      /kiosk_reader_http_requests_total\{method="POST",route="\/api\/readers\/:reader\/ssc\/read",status="200"\} 2/,
    );
    expect(text).not.toContain(lina.name);
    for (const line of text.trim().split('\n'))
      expect(line).toMatch(
        /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [0-9.e+-]+|\w+(\{[^}]*\})? \+Inf)$/,
      );
  });

  it('/ is the kiosk page with its token; /panel the reader panel; /web/ the assets', async () => {
    const page = await rig.request({ method: 'GET', url: '/', token: null });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain(`content="${rig.service.core.access.pageToken}"`);
    expect(page.body).toContain('请插入社会保障卡');
    const panel = await rig.request({ method: 'GET', url: '/panel', token: null });
    expect(panel.body).toContain(`content="${rig.service.core.access.panelToken}"`);
    expect(panel.body).not.toContain(rig.service.core.access.pageToken);
    for (const f of ['kiosk.js', 'panel.js', 'common.js', 'style.css']) {
      const r = await rig.request({ method: 'GET', url: `/web/${f}`, token: null });
      expect(r.statusCode, f).toBe(200);
    }
    const missing = await rig.request({ method: 'GET', url: '/web/secret.js', token: null });
    expect(missing.statusCode).toBe(404);
    const traversal = await rig.request({
      method: 'GET',
      url: '/web/..%2Fservice%2Fmain.ts',
      token: null,
    });
    expect([400, 404]).toContain(traversal.statusCode);
  });
});
