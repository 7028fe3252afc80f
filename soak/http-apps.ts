// The HTTP clients of a service life: a kiosk page that reads the card through the local service
// (ssc, health, bank, the national iReadCardBas), asks for the PIN on the reader's keypad, holds
// an exclusive session now and then, and a raw-APDU tool. Every answer: 2xx with data that belongs
// to the card in the slot, or an error status with a JSON body `{ error: { code, message } }` —
// never 500, never an unparseable body — within its bound.
import type { SoakCard } from './cards.ts';
import {
  applyOutcome,
  believed,
  DETECTION_MS,
  expected,
  OP_BOUND_MS,
  planPin,
  psamIsComplete,
  readsMustWork,
  type VisitContext,
} from './apps.ts';
import { checkBank, checkHealth, checkSsc } from './identity.ts';
import { RAW_TOKEN } from './service-world.ts';
import type { HttpReply, HttpRequest } from './world.ts';
import type { BankCardData, HealthCardData, SscBasicInfo } from '../host/cards/index.ts';

type Json = Record<string, unknown>;

/** One request under the monitor; undefined when it failed the typed-error invariant. */
async function call(
  ctx: VisitContext,
  name: string,
  request: HttpRequest,
  bound = OP_BOUND_MS,
): Promise<{ status: number; json: Json } | undefined> {
  const http = ctx.world.http!;
  const r = await ctx.monitor.op(`http: ${name}`, bound, () => http(request));
  if (!r.ok) return undefined;
  return judge(ctx, name, r.value);
}

function judge(
  ctx: VisitContext,
  name: string,
  reply: HttpReply,
): { status: number; json: Json } | undefined {
  let json: Json;
  try {
    json = reply.body === '' && reply.status < 300 ? {} : (JSON.parse(reply.body) as Json);
  } catch {
    ctx.monitor.violate(
      'typed-error',
      `http: ${name} answered ${reply.status} with a body that is not JSON`,
    );
    return undefined;
  }
  if (reply.status === 500 || reply.status >= 600) {
    ctx.monitor.violate(
      'typed-error',
      `http: ${name} answered ${reply.status}: ${reply.body.slice(0, 200)}`,
    );
    return undefined;
  }
  if (reply.status >= 400) {
    const e = json.error as { code?: unknown; message?: unknown } | undefined;
    if (typeof e?.code !== 'string' || typeof e.message !== 'string' || e.message === '') {
      ctx.monitor.violate(
        'typed-error',
        `http: ${name} answered ${reply.status} without a clear error: ${reply.body.slice(0, 200)}`,
      );
    }
  }
  return { status: reply.status, json };
}

function mustSucceed(
  ctx: VisitContext,
  name: string,
  r: { status: number; json: Json } | undefined,
  must: boolean,
): void {
  if (!must || !r || r.status < 300 || !ctx.clean()) return;
  ctx.monitor.violate(
    'outcome',
    `http: ${name} answered ${r.status} in a visit without faults: ${JSON.stringify(r.json).slice(0, 200)}`,
  );
}

export async function httpKioskApp(ctx: VisitContext, card: SoakCard): Promise<void> {
  // Now and then the page holds the reader in an exclusive session for the whole visit.
  let session: string | undefined;
  // (The raw-APDU tool is another application: it gets no session of the kiosk page's.)
  if (ctx.rng.chance(0.3) && card.kind !== 'atr') {
    const s = await call(ctx, 'open a session', {
      method: 'POST',
      url: '/api/sessions',
      body: { waitMs: 5000 },
    });
    if (s && s.status < 300) session = String((s.json as { id?: unknown }).id ?? '');
  }
  const headers = session ? { 'x-session-id': session } : undefined;
  try {
    const from = ctx.now();
    if (card.kind === 'health') {
      const r = await call(ctx, 'health/read', {
        method: 'POST',
        url: '/api/readers/sim/health/read',
        body: { include: { contacts: ctx.rng.chance(0.5), clinical: ctx.rng.chance(0.5) } },
        headers,
      });
      if (r && r.status === 200) {
        const wrong = checkHealth(
          r.json.data as HealthCardData,
          believed(ctx, ctx.occupancy.during(0, from - DETECTION_MS, ctx.now())),
        );
        if (wrong) ctx.monitor.violate('card-identity', `http: ${wrong}`);
      }
      mustSucceed(
        ctx,
        'health/read',
        r,
        readsMustWork(ctx, card) &&
          psamIsComplete(ctx, ctx.occupancy.during(1, from - DETECTION_MS, ctx.now())),
      );
      return;
    }
    if (card.kind === 'atr') {
      const r = await call(ctx, 'raw APDU', {
        method: 'POST',
        url: '/api/readers/sim/slots/0/apdu',
        token: RAW_TOKEN,
        body: { apdus: ['0084000008', '00A40000023F00'] },
        headers,
      });
      if (r && r.status === 200) {
        const sws = (r.json.responses as { sw: string }[]).map((x) => x.sw);
        if (sws.some((sw) => sw !== '9000'))
          ctx.monitor.violate(
            'card-identity',
            `http: a card that answers only 90 00 was reported answering ${sws.join(' ')}`,
          );
      }
      mustSucceed(ctx, 'raw APDU', r, readsMustWork(ctx, card));
      return;
    }
    const national = ctx.rng.chance(0.3);
    const r = national
      ? await call(ctx, 'iReadCardBas', {
          method: 'POST',
          url: '/api/national/iReadCardBas',
          body: { iType: 1 },
          headers,
        })
      : await call(ctx, 'ssc/read', {
          method: 'POST',
          url: '/api/readers/sim/ssc/read',
          body: {},
          headers,
        });
    const cards = ctx.occupancy.during(0, from - DETECTION_MS, ctx.now());
    const psams = ctx.occupancy.during(1, from - DETECTION_MS, ctx.now());
    if (r && r.status === 200 && !national) {
      const wrong = checkSsc(r.json.data as SscBasicInfo, believed(ctx, cards), psams);
      if (wrong) ctx.monitor.violate('card-identity', `http: ${wrong}`);
    }
    if (r && r.status === 200 && national && r.json.code === 0) {
      // The national string: field 2 is the 社会保障号码, field 5 the name.
      const fields = String(r.json.pOutInfo).split('|');
      const info = {
        socialSecurityNumber: fields[1],
        name: fields[4],
        cardId: fields[3],
        cardNumber: fields[2],
      };
      const persons = believed(ctx, cards) as unknown as {
        ssn: string;
        name: string;
        cardId: string;
        cardNo: string;
      }[];
      if (
        !persons.some(
          (p) =>
            p.ssn === info.socialSecurityNumber && p.name === info.name && p.cardId === info.cardId,
        )
      )
        ctx.monitor.violate(
          'card-identity',
          `http: iReadCardBas reported ${JSON.stringify(info)}; the slot held ${persons.map((p) => p.ssn).join(' or ') || 'no card'}`,
        );
    }
    const must = card.kind === 'ssc' && readsMustWork(ctx, card) && psamIsComplete(ctx, psams);
    mustSucceed(ctx, national ? 'iReadCardBas' : 'ssc/read', r, must);
    if (national && must && ctx.clean() && r && r.status === 200 && r.json.code !== 0)
      ctx.monitor.violate(
        'outcome',
        `http: iReadCardBas in a visit without faults returned ${String(r.json.code)} ${String(r.json.pOutInfo)}`,
      );
    for (let i = 0, n = ctx.rng.chance(0.5) ? 1 + ctx.rng.int(2) : 0; i < n; i++)
      await httpPin(ctx, card, headers);
    if (ctx.rng.chance(0.4)) {
      const b = await call(ctx, 'bank/read', {
        method: 'POST',
        url: '/api/readers/sim/bank/read',
        body: {},
        headers,
      });
      if (b && b.status === 200) {
        const wrong = checkBank(
          b.json.data as BankCardData,
          believed(ctx, ctx.occupancy.during(0, from - DETECTION_MS, ctx.now())),
        );
        if (wrong) ctx.monitor.violate('card-identity', `http: ${wrong}`);
      }
      mustSucceed(ctx, 'bank/read', b, card.kind === 'ssc' && readsMustWork(ctx, card));
    }
  } finally {
    if (session)
      await call(ctx, 'close the session', { method: 'DELETE', url: `/api/sessions/${session}` });
  }
}

/** A PIN entry through POST /pin/verify or /pin/change, the holder typing on the keypad. */
async function httpPin(
  ctx: VisitContext,
  card: SoakCard,
  headers: Record<string, string> | undefined,
): Promise<void> {
  const pin = card.pin;
  if (!pin) return;
  const plan = planPin(ctx.rng, pin.current);
  for (const digits of plan.typed) ctx.monitor.scanner.secret(digits);
  const change = plan.scenario.startsWith('change');
  const cleanBefore = ctx.clean();
  const keypad = ctx.world.sim.reader.keypad;
  if (plan.script) ctx.world.sim.typeKeys(plan.script);
  else keypad.cancelAll();
  const bound = OP_BOUND_MS + plan.scriptMs + 3 * 30_000;
  const r = await call(
    ctx,
    `pin/${change ? 'change' : 'verify'} (${plan.scenario})`,
    {
      method: 'POST',
      url: `/api/readers/sim/pin/${change ? 'change' : 'verify'}`,
      body: plan.timeoutSeconds ? { timeoutSeconds: plan.timeoutSeconds } : {},
      headers,
    },
    bound,
  );
  keypad.cancelAll();
  const outcome =
    r && r.status === 200 ? (r.json as { outcome: string; triesLeft?: number }) : undefined;
  // The service refuses more than a few PIN entries a minute (429): nothing reached the reader.
  if (r && r.status === 429) return;
  if (!(cleanBefore && ctx.clean() && pin.known)) {
    if (!outcome) pin.known = false;
    else applyOutcome(pin, plan, outcome as never);
    return;
  }
  const want = expected(plan, pin.triesLeft);
  const same =
    outcome !== undefined &&
    outcome.outcome === want.outcome.outcome &&
    ('triesLeft' in want.outcome ? outcome.triesLeft === want.outcome.triesLeft : true);
  if (!same) {
    ctx.monitor.violate(
      'outcome',
      `http: PIN entry (${plan.scenario}, ${pin.triesLeft} tries left) answered ${r?.status} ${JSON.stringify(r?.json)}; expected ${JSON.stringify(want.outcome)}`,
    );
    pin.known = false;
    return;
  }
  pin.triesLeft = want.tries;
  if (want.changed && plan.newPin) pin.current = plan.newPin;
}
