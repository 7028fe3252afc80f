// The applications of a soak life: what kiosk software does with the driver while a holder
// stands at the kiosk. The kiosk application opens the user card and the PSAM and reads what the
// card holds, asks for the PIN on the reader's keypad, reads the bank card number; a second
// application shares the card meanwhile (bank read, GET CHALLENGE, an exclusive attempt); a third
// talks to the reader itself (device information, display, beeper). Every request goes through
// the monitor; every result is compared with the card that was in the slot.
import { Psam, readBankCard, readHealthCard, readSscBasic } from '../host/cards/index.ts';
import { changePin, verifyPin, type ChangePinOutcome } from '../host/pin/pin-entry.ts';
import type { CardSession } from '../host/reader/card-session.ts';
import type { Prng } from '../simulator/engine/prng.ts';
import type { PsamPersona } from '../simulator/profiles/personas.ts';
import type { SoakCard } from './cards.ts';
import { checkAtr, checkBank, checkHealth, checkSsc, otherPersona, Occupancy } from './identity.ts';
import type { Monitor, Outcome } from './monitor.ts';
import { randomPin, typed } from './pins.ts';
import type { World } from './world.ts';
import type { PersonaBase } from '../simulator/profiles/profile-schema.ts';

/** A card operation (connect, read, APDU) answers within this, faults and slow cards included. */
export const OP_BOUND_MS = 180_000;
/**
 * How late the driver may learn that a card left: a pushed `50 xx` takes a USB frame or two, a
 * compat reader is polled every 400 ms. A card pulled this shortly before a session opens may
 * still be the one it reports (the next command then fails); one inserted after it never.
 */
export const DETECTION_MS = 1500;
/** Key presses follow one another this far apart (simulator/reader/key-script.ts). */
const KEY_MS = 200;

export interface VisitContext {
  readonly world: World;
  readonly monitor: Monitor;
  readonly rng: Prng;
  readonly occupancy: Occupancy;
  /** The reader runs the native profile (PIN pad, APDU level, T=1). */
  readonly native: boolean;
  /** No fault has been injected in this visit yet, and none will be. */
  clean(): boolean;
  /** True once in the life, for the first identity check (--invariant-break card-identity). */
  breakIdentity(): boolean;
  /** Host randoms for the card applications (terminal challenges), from the life's seed. */
  random(n: number): Uint8Array;
  now(): number;
  /**
   * Naive applications go on with a card after a failed command and leave it powered; careful
   * ones (the default) stop and reset it, as PC/SC applications reconnect with SCARD_RESET_CARD.
   * T=0 has no way to resynchronise a card that lost a character (SOAK.md, known issues).
   */
  readonly naive: boolean;
  /** No exclusive attempts by the second application (the service's clients expect the card). */
  readonly noExclusive?: boolean;
}

/** Whether reads of this card must succeed in a clean visit. */
export function readsMustWork(ctx: VisitContext, card: SoakCard): boolean {
  if (!ctx.clean()) return false;
  if (card.transport === 'pps-silent' || card.transport === 'pps-wrong') return false;
  if (!ctx.native && card.protocol === 1) return false;
  return true;
}

export function psamIsComplete(ctx: VisitContext, psams: SoakCard[]): boolean {
  return (
    psams.length === 1 &&
    psams[0].kind === 'psam' &&
    (psams[0].persona as PsamPersona).missingKeys.length === 0 &&
    (psams[0].persona as PsamPersona).algorithms.includes('SM4') &&
    ctx.occupancy.current(1) === psams[0]
  );
}

export function expectOk(
  ctx: VisitContext,
  what: string,
  outcome: Outcome<unknown>,
  must: boolean,
): void {
  if (!must || outcome.ok || !ctx.clean()) return;
  const e = outcome.error as { code?: unknown; message?: string };
  ctx.monitor.violate(
    'outcome',
    `${what} failed in a visit without faults: ${String(e?.code ?? '')} ${e?.message ?? String(e)}`,
  );
}

/** Personas the harness believes were in the slot; deliberately wrong once with the switch. */
export function believed(ctx: VisitContext, cards: SoakCard[]): PersonaBase[] {
  const personas = cards.map((c) => c.persona).filter((p): p is PersonaBase => p !== undefined);
  if (cards.length === 1 && cards[0].persona && ctx.breakIdentity()) {
    const wrong = otherPersona(cards[0]);
    if (wrong) return [wrong];
  }
  return personas;
}

interface Opened {
  session: CardSession;
  /** The cards in the slot while connect ran. */
  cards: SoakCard[];
}

async function open(
  ctx: VisitContext,
  slot: number,
  who: string,
  share: 'shared' | 'exclusive' = 'shared',
): Promise<Opened | undefined> {
  const from = ctx.now();
  const r = await ctx.monitor.op(`${who}: connect slot ${slot} (${share})`, OP_BOUND_MS, () =>
    ctx.world.reader.connect(slot, { share }),
  );
  if (!r.ok) return undefined;
  const cards = ctx.occupancy.during(slot, from - DETECTION_MS, ctx.now());
  const wrong = checkAtr(r.value.atr, cards);
  if (wrong) ctx.monitor.violate('card-identity', `${who}: ${wrong}`);
  return { session: r.value, cards };
}

async function close(
  ctx: VisitContext,
  who: string,
  opened: Opened | undefined,
  failed = false,
): Promise<void> {
  if (!opened) return;
  const any = (['leave', 'reset', 'unpower'] as const)[ctx.rng.int(3)];
  const how = failed && !ctx.naive ? 'reset' : any;
  await ctx.monitor.op(`${who}: disconnect (${how})`, OP_BOUND_MS, () =>
    opened.session.disconnect(how),
  );
}

// ---- the kiosk application ----------------------------------------------------------------------

export interface KioskPlan {
  share: 'shared' | 'exclusive';
  pinEntries: number;
  bank: boolean;
  healthInclude: { contacts?: boolean; addresses?: boolean; clinical?: boolean };
}

export function planKiosk(rng: Prng): KioskPlan {
  return {
    share: rng.chance(0.3) ? 'exclusive' : 'shared',
    pinEntries: rng.chance(0.5) ? 1 + rng.int(3) : 0,
    bank: rng.chance(0.4),
    healthInclude: {
      contacts: rng.chance(0.5),
      addresses: rng.chance(0.3),
      clinical: rng.chance(0.3),
    },
  };
}

/** The kiosk application for the card in the user slot; `connected` once it holds it. */
export async function kioskApp(
  ctx: VisitContext,
  card: SoakCard,
  plan: KioskPlan,
  connected: () => void,
): Promise<void> {
  const user = await open(ctx, 0, 'kiosk', plan.share);
  connected();
  if (!user) return;
  // After a failure a careful application stops and resets the card (see `naive`).
  let failed = false;
  const fail = (o: Outcome<unknown>): boolean => {
    if (!o.ok) failed = true;
    return failed && !ctx.naive;
  };
  try {
    if (card.kind === 'atr') {
      failed = !(await rawApdus(ctx, 'kiosk', user, card));
      return;
    }
    const psamFrom = ctx.now();
    const psam = await open(ctx, 1, 'kiosk');
    const psams = ctx.occupancy.during(1, psamFrom - DETECTION_MS, ctx.now());
    try {
      if (card.kind === 'health') {
        const r = await ctx.monitor.op('kiosk: readHealthCard', OP_BOUND_MS, () =>
          readHealthCard(user.session, {
            psam: psam ? new Psam(psam.session) : undefined,
            include: plan.healthInclude,
            random: (n) => ctx.random(n),
          }),
        );
        if (r.ok) {
          const wrong = checkHealth(r.value, believed(ctx, user.cards));
          if (wrong) ctx.monitor.violate('card-identity', `kiosk: ${wrong}`);
        }
        expectOk(ctx, 'readHealthCard', r, readsMustWork(ctx, card) && psamIsComplete(ctx, psams));
        fail(r);
        return;
      }
      const r = await ctx.monitor.op('kiosk: readSscBasic', OP_BOUND_MS, () =>
        readSscBasic(user.session, {
          psam: psam ? new Psam(psam.session) : undefined,
          random: (n) => ctx.random(n),
        }),
      );
      if (r.ok) {
        const wrong = checkSsc(r.value, believed(ctx, user.cards), psam ? psam.cards : []);
        if (wrong) ctx.monitor.violate('card-identity', `kiosk: ${wrong}`);
      }
      expectOk(
        ctx,
        'readSscBasic',
        r,
        card.kind === 'ssc' && readsMustWork(ctx, card) && psamIsComplete(ctx, psams),
      );
      if (fail(r)) return;
      for (let i = 0; i < plan.pinEntries; i++) {
        if (!(await pinEntry(ctx, user.session, card)) && fail({ ok: false, error: 0, ms: 0 }))
          return;
      }
      if (plan.bank && !(await bankRead(ctx, 'kiosk', user, card))) failed = true;
    } finally {
      await close(ctx, 'kiosk', psam, failed);
    }
  } finally {
    await close(ctx, 'kiosk', user, failed);
  }
}

async function bankRead(
  ctx: VisitContext,
  who: string,
  user: Opened,
  card: SoakCard,
): Promise<boolean> {
  const r = await ctx.monitor.op(`${who}: readBankCard`, OP_BOUND_MS, () =>
    readBankCard(user.session, { random: (n) => ctx.random(n) }),
  );
  if (r.ok) {
    const wrong = checkBank(r.value, believed(ctx, user.cards));
    if (wrong) ctx.monitor.violate('card-identity', `${who}: ${wrong}`);
  }
  expectOk(ctx, `${who}: readBankCard`, r, card.kind === 'ssc' && readsMustWork(ctx, card));
  return r.ok;
}

/** APDUs to a card with a random ATR, which answers 90 00 to everything; false on a failure. */
async function rawApdus(
  ctx: VisitContext,
  who: string,
  user: Opened,
  card: SoakCard,
): Promise<boolean> {
  const apdus = [
    [0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00],
    [0x00, 0x84, 0x00, 0x00, 0x08],
    [0x00, 0xb0, 0x00, 0x00, 0x10],
    [0x80, 0xca, 0x9f, 0x7f, 0x00],
  ];
  for (let i = 0, n = 1 + ctx.rng.int(4); i < n; i++) {
    const apdu = Uint8Array.from(apdus[ctx.rng.int(apdus.length)]);
    const r = await ctx.monitor.op(`${who}: transmit`, OP_BOUND_MS, () =>
      user.session.transmit(apdu),
    );
    if (r.ok && card.kind === 'atr' && !(r.value.length === 2 && r.value[0] === 0x90)) {
      ctx.monitor.violate(
        'card-identity',
        `${who}: a card that answers only 90 00 was reported answering ${Buffer.from(r.value).toString('hex')}`,
      );
    }
    expectOk(ctx, `${who}: transmit`, r, readsMustWork(ctx, card));
    if (!r.ok && !ctx.naive) return false;
  }
  return true;
}

// ---- PIN entry on the keypad ---------------------------------------------------------------------

type PinScenario =
  | 'right'
  | 'typo'
  | 'corrected'
  | 'cancel'
  | 'timeout'
  | 'short'
  | 'long'
  | 'change'
  | 'change-mismatch'
  | 'change-wrong-old';

const SCENARIOS: PinScenario[] = [
  'right',
  'right',
  'right',
  'typo',
  'typo',
  'corrected',
  'cancel',
  'timeout',
  'short',
  'long',
  'change',
  'change-mismatch',
  'change-wrong-old',
];

export interface PinPlan {
  scenario: PinScenario;
  script: string;
  /** Digit strings typed (the scanner searches for each). */
  typed: string[];
  timeoutSeconds: number;
  /** Virtual ms the script takes to play. */
  scriptMs: number;
  newPin?: string;
}

export function planPin(rng: Prng, current: string): PinPlan {
  const scenario = SCENARIOS[rng.int(SCENARIOS.length)];
  const other = (): string => {
    for (;;) {
      const p = randomPin(rng);
      if (p !== current) return p;
    }
  };
  let parts: string[] = [];
  let digitsTyped: string[] = [];
  let timeoutSeconds = [0, 0, 10, 30][rng.int(4)];
  let newPin: string | undefined;
  switch (scenario) {
    case 'right':
      parts = [typed(current)];
      digitsTyped = [current];
      break;
    case 'typo': {
      const t = other();
      parts = [typed(t)];
      digitsTyped = [t];
      break;
    }
    case 'corrected': {
      const slip = randomPin(rng, 3, 6);
      const fix = rng.chance(0.5) ? 'clear' : Array(slip.length).fill('backspace').join(' ');
      parts = [typed(slip, fix), typed(current)];
      digitsTyped = [current];
      break;
    }
    case 'cancel':
      parts = [typed(current.slice(0, rng.int(current.length)), 'cancel')];
      digitsTyped = [current];
      break;
    case 'timeout':
      // No key at all within the first-key time, or a pause longer than the next-key time.
      timeoutSeconds = [3, 5, 8][rng.int(3)];
      parts = rng.chance(0.5) ? [] : [typed(current.slice(0, 4), ''), `wait:${16_000}`];
      break;
    case 'short':
      parts = [typed(randomPin(rng, 1, 3))];
      break;
    case 'long': {
      const t = randomPin(rng, 17, 19);
      parts = [typed(t)];
      digitsTyped = [t];
      break;
    }
    case 'change':
      newPin = other();
      parts = [typed(current), typed(newPin), typed(newPin)];
      digitsTyped = [current, newPin];
      break;
    case 'change-mismatch': {
      newPin = other();
      const again = other();
      parts = [typed(current), typed(newPin), typed(again)];
      digitsTyped = [current, newPin, again];
      break;
    }
    case 'change-wrong-old': {
      const old = other();
      newPin = other();
      parts = [typed(old), typed(newPin), typed(newPin)];
      digitsTyped = [old, newPin];
      break;
    }
  }
  const script = parts.join(' ').trim();
  const steps = script ? script.split(/\s+/) : [];
  const scriptMs = steps.reduce(
    (ms, s) => ms + (s.startsWith('wait:') ? Number(s.slice(5)) : KEY_MS),
    0,
  );
  return { scenario, script, typed: digitsTyped, timeoutSeconds, scriptMs, newPin };
}

/** What a clean entry must end with, given the card's PIN state; and the state after it. */
export function expected(
  plan: PinPlan,
  tries: number,
): { outcome: ChangePinOutcome; tries: number; changed: boolean } {
  const wrong = (): { outcome: ChangePinOutcome; tries: number; changed: boolean } =>
    tries <= 1
      ? { outcome: { outcome: 'blocked' }, tries: 0, changed: false }
      : {
          outcome: { outcome: 'wrong-pin', triesLeft: tries - 1 },
          tries: tries - 1,
          changed: false,
        };
  const blocked = { outcome: { outcome: 'blocked' } as const, tries: 0, changed: false };
  switch (plan.scenario) {
    case 'right':
    case 'corrected':
      return tries === 0 ? blocked : { outcome: { outcome: 'ok' }, tries: 3, changed: false };
    case 'typo':
    case 'change-wrong-old':
      return tries === 0 ? blocked : wrong();
    case 'cancel':
      return { outcome: { outcome: 'cancelled' }, tries, changed: false };
    case 'timeout':
      return { outcome: { outcome: 'timeout' }, tries, changed: false };
    case 'short':
    case 'long':
      return { outcome: { outcome: 'invalid-length' }, tries, changed: false };
    case 'change':
      return tries === 0 ? blocked : { outcome: { outcome: 'ok' }, tries: 3, changed: true };
    case 'change-mismatch':
      return { outcome: { outcome: 'mismatch' }, tries, changed: false };
  }
}

/** One PIN entry; false when it failed (an error, not an outcome such as a wrong PIN). */
async function pinEntry(ctx: VisitContext, session: CardSession, card: SoakCard): Promise<boolean> {
  const pin = card.pin;
  if (!pin) return true;
  const plan = planPin(ctx.rng, pin.current);
  for (const digits of plan.typed) ctx.monitor.scanner.secret(digits);
  const change = plan.scenario.startsWith('change');
  const cleanBefore = ctx.clean();
  let settled = false;
  let late = 0;
  const onProgress = (p: { digits: number }): void => {
    ctx.monitor.scanner.add('PIN progress', p);
    if (settled) late++;
  };
  const keypad = ctx.world.sim.reader.keypad;
  if (plan.script) ctx.world.sim.typeKeys(plan.script);
  else keypad.cancelAll();
  const request = { slot: session, timeoutSeconds: plan.timeoutSeconds, onProgress };
  const bound = OP_BOUND_MS + plan.scriptMs + 3 * 30_000;
  const r = await ctx.monitor.op(
    `kiosk: ${change ? 'changePin' : 'verifyPin'} (${plan.scenario})`,
    bound,
    () => (change ? changePin(request) : verifyPin(request)),
  );
  settled = true;
  // Keys still queued (the entry ended before the script did, or never began) go nowhere.
  keypad.cancelAll();
  if (late) ctx.monitor.violate('answer', `PIN progress reported after the entry's answer`);
  const clean = cleanBefore && ctx.clean() && ctx.native && pin.known;
  if (!clean) {
    // Whether the card counted a try is unknown now.
    if (!r.ok || !ctx.clean()) pin.known = false;
    if (r.ok && ctx.native) applyOutcome(pin, plan, r.value);
    return r.ok;
  }
  const want = expected(plan, pin.triesLeft);
  if (!r.ok) {
    const e = r.error as { code?: unknown; message?: string };
    ctx.monitor.violate(
      'outcome',
      `PIN entry (${plan.scenario}) in a visit without faults failed: ${String(e?.code ?? '')} ${e?.message ?? ''}; expected ${JSON.stringify(want.outcome)}`,
    );
    pin.known = false;
    return false;
  }
  if (JSON.stringify(r.value) !== JSON.stringify(want.outcome)) {
    ctx.monitor.violate(
      'outcome',
      `PIN entry (${plan.scenario}, ${pin.triesLeft} tries left) ended ${JSON.stringify(r.value)}; expected ${JSON.stringify(want.outcome)}`,
    );
    pin.known = false;
    return true;
  }
  pin.triesLeft = want.tries;
  if (want.changed && plan.newPin) pin.current = plan.newPin;
  return true;
}

/** Updates what the harness believes after an entry in a visit with faults. */
export function applyOutcome(
  pin: NonNullable<SoakCard['pin']>,
  plan: PinPlan,
  outcome: ChangePinOutcome,
): void {
  if (outcome.outcome === 'ok' && plan.scenario === 'change' && plan.newPin) {
    pin.current = plan.newPin;
  }
  if (outcome.outcome === 'ok') pin.triesLeft = 3;
  if (outcome.outcome === 'wrong-pin') pin.triesLeft = outcome.triesLeft;
  if (outcome.outcome === 'blocked') pin.triesLeft = 0;
}

// ---- the second application: shares the card ------------------------------------------------------

export async function secondApp(ctx: VisitContext, card: SoakCard): Promise<void> {
  const choice = ctx.rng.int(3);
  if (choice === 2 && !ctx.noExclusive) {
    // An exclusive attempt while the kiosk holds the card: busy, or the card if it let go.
    const excl = await open(ctx, 0, 'second', 'exclusive');
    await close(ctx, 'second', excl);
    return;
  }
  const user = await open(ctx, 0, 'second');
  if (!user) return;
  let ok = true;
  try {
    if (choice === 0 && card.kind === 'ssc') ok = await bankRead(ctx, 'second', user, card);
    else if (card.kind === 'atr') ok = await rawApdus(ctx, 'second', user, card);
    else {
      const r = await ctx.monitor.op('second: GET CHALLENGE', OP_BOUND_MS, () =>
        user.session.transmit(Uint8Array.of(0x00, 0x84, 0x00, 0x00, 0x08)),
      );
      ok = r.ok;
      if (r.ok && r.value.length !== 10 && r.value.length !== 2) {
        ctx.monitor.violate(
          'card-identity',
          `second: GET CHALLENGE for 8 bytes answered with ${r.value.length} bytes`,
        );
      }
    }
  } finally {
    await close(ctx, 'second', user, !ok);
  }
}

// ---- the third application: the reader itself ---------------------------------------------------

export async function readerApp(ctx: VisitContext): Promise<void> {
  const reader = ctx.world.reader;
  switch (ctx.rng.int(4)) {
    case 0: {
      const r = await ctx.monitor.op('reader app: deviceInfo', OP_BOUND_MS, () =>
        reader.deviceInfo(),
      );
      if (!r.ok && ctx.native && ctx.clean()) expectOk(ctx, 'deviceInfo', r, true);
      break;
    }
    case 1:
      await ctx.monitor.op('reader app: display', OP_BOUND_MS, () =>
        reader.display(['请插入社保卡', 'Insert card', '欢迎'][ctx.rng.int(3)], {
          row: ctx.rng.int(2),
        }),
      );
      break;
    case 2:
      await ctx.monitor.op('reader app: beep', OP_BOUND_MS, () =>
        reader.beep({ durationMs: 50 + ctx.rng.int(200) }),
      );
      break;
    default:
      await ctx.monitor.op('reader app: slots', OP_BOUND_MS, async () => reader.slots);
  }
}
