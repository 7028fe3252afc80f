// The logs of a whole kiosk transaction — reads, the national string, a PIN changed to a unique
// value and verified with it, a wrong PIN, errors — hold no PIN, no personal data and no token,
// and every line is structured JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SSC3_PERSONAS } from '../../simulator/profiles/personas.ts';
import { redactText, redactUrl, SeenTexts } from './logging.ts';
import { WARNINGS_REMEMBERED } from './service.ts';
import { APP_TOKEN, serviceRig, type Rig } from './testing/service-rig.ts';

const lina = SSC3_PERSONAS.find((p) => p.id === 'li-na')!;
/** A PIN that appears nowhere else in the run. */
const NEW_PIN = '907153';
const WRONG_PIN = '480926';

let rig: Rig;
beforeAll(async () => {
  rig = await serviceRig();
});
afterAll(() => rig.close());

describe('logs', () => {
  it('a whole transaction leaves no PIN, personal data or token in the logs', async () => {
    const typeKeys = (s: string) => rig.service.core.sim!.sim.typeKeys(s);
    const digits = (pin: string) => pin.split('').join(' ');
    expect(
      (await rig.request({ method: 'POST', url: '/api/readers/sim/ssc/read' })).statusCode,
    ).toBe(200);
    expect(
      (await rig.request({ method: 'POST', url: '/api/readers/sim/bank/read' })).statusCode,
    ).toBe(200);
    await rig.request({
      method: 'POST',
      url: '/api/national/iReadCardBas',
      payload: { gbk: true },
    });
    typeKeys(`${digits(lina.pin)} enter ${digits(NEW_PIN)} enter ${digits(NEW_PIN)} enter`);
    const change = await rig.request({
      method: 'POST',
      url: '/api/readers/sim/pin/change',
      payload: {},
    });
    expect(change.body).toBe('{"outcome":"ok"}');
    typeKeys(`${digits(NEW_PIN)} enter`);
    expect(
      (await rig.request({ method: 'POST', url: '/api/national/iVerifyPIN', payload: {} })).body,
    ).toBe('{"code":0,"pOutInfo":""}');
    typeKeys(`${digits(WRONG_PIN)} enter`);
    await rig.request({ method: 'POST', url: '/api/readers/sim/pin/verify', payload: {} });
    await rig.request({
      method: 'POST',
      url: '/api/national/iReadCard',
      payload: { iAuthType: 2, pCardInfo: `${lina.cardId}|X|`, pFileAddr: 'SSSEEF06|08|$' },
    });
    await rig.request({
      method: 'POST',
      url: '/api/readers/sim/pin/verify',
      payload: { pin: WRONG_PIN },
    });
    await rig.request({ method: 'GET', url: `/api/events?token=${APP_TOKEN}` });
    // Something that would log card data if redaction failed.
    rig.service.app.log.info(
      { data: { name: lina.name, socialSecurityNumber: lina.ssn, pan: lina.bank.pan } },
      'probe',
    );

    expect(rig.logs.length).toBeGreaterThan(10);
    const lines = rig.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    // Timestamps and process ids are numbers that could contain any digits by chance.
    const text = lines.map(({ time: _t, pid: _p, ...rest }) => JSON.stringify(rest)).join('\n');
    for (const secret of [
      NEW_PIN,
      WRONG_PIN,
      lina.pin,
      lina.name,
      lina.ssn,
      lina.cardNo,
      lina.cardId,
      lina.bank.pan,
      APP_TOKEN,
      rig.service.core.access.pageToken,
    ])
      expect(text, secret).not.toContain(secret);
    expect(text).toContain('"msg":"request"');
    expect(text).toContain('"route":"/api/readers/:reader/ssc/read"');
    expect(text).toContain('"application":"his"');
    expect(lines.find((l) => l.msg === 'probe')).toMatchObject({
      data: { name: '[redacted]', socialSecurityNumber: '[redacted]', pan: '[redacted]' },
    });
  });

  it('redacts tokens in URLs and long digit runs in free text', () => {
    expect(redactUrl('/api/events?token=abc&x=1')).toBe('/api/events?token=[redacted]&x=1');
    expect(redactText('card 6228480012345678903 and id 44030519880312202X')).toBe(
      'card 62…[19 digits redacted] and id 44…[18 digits redacted]',
    );
  });
});

describe('driver warnings', () => {
  it('each distinct text is logged once; texts that always differ do not grow memory', () => {
    const seen = new SeenTexts(3);
    expect(['a', 'b', 'a', 'c', 'b'].map((t) => seen.first(t))).toEqual([
      true,
      true,
      false,
      true,
      false,
    ]);
    for (let i = 0; i < 10_000; i++) seen.first(`discovery failed at rescan ${i}`);
    expect(seen.size).toBe(3);
    // The oldest were forgotten: 'a' would be logged again.
    expect(seen.first('a')).toBe(true);
    // Long texts are kept short.
    const long = new SeenTexts(2, 10);
    expect(long.first('x'.repeat(10_000))).toBe(true);
    expect(long.first('x'.repeat(20))).toBe(false);
  });

  it("the service logs a driver context's warnings once each, and remembers a bounded number", () => {
    const hub = rig.service.core.hub;
    const count = (text: string) =>
      rig.logs.filter((l) => l.includes('"reader warning"') && l.includes(text)).length;
    for (let i = 0; i < 3; i++) hub.emit('warning', 'no udev: discovery by scanning');
    expect(count('no udev: discovery by scanning')).toBe(1);
    for (let i = 0; i < WARNINGS_REMEMBERED + 10; i++) hub.emit('warning', `changing text ${i}`);
    expect(count('changing text')).toBe(WARNINGS_REMEMBERED + 10);
    // The first warning was pushed out by newer ones: it would be logged again.
    hub.emit('warning', 'no udev: discovery by scanning');
    expect(count('no udev: discovery by scanning')).toBe(2);
  });
});
