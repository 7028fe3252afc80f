// The cards of a soak life. Every insertion is a new card: a persona of a profile (its data as
// simulator/profiles has it) with a PIN of its own (pins.ts), on the profile's transport or a
// misbehaving variant of it (slow with NULL bytes or WTX storms, PPS refused or answered wrong,
// class A only), or a card with a random well-formed ATR that answers 90 00 to everything.
// The harness keeps what it put in each slot, so any read can be compared with the card that was
// there (identity.ts).
import { VirtualCard } from '../simulator/card/virtual-card.ts';
import type { CardContacts, CardTransportProfile } from '../simulator/card/contract.ts';
import { CardOs } from '../simulator/cos/card-os.ts';
import type { Prng } from '../simulator/engine/prng.ts';
import { createLabelledCard } from '../simulator/cards.ts';
import { PROFILES } from '../simulator/profiles/index.ts';
import { buildFileTree, psamKeyStore, transportFor } from '../simulator/profiles/loader.ts';
import type { HealthPersona, PsamPersona, SscPersona } from '../simulator/profiles/personas.ts';
import type { PersonaBase } from '../simulator/profiles/profile-schema.ts';
import { randomPin } from './pins.ts';

export type CardKind = 'ssc' | 'health' | 'psam' | 'atr';

export type TransportVariant =
  'normal' | 'slow-nulls' | 'wtx-storm' | 'pps-silent' | 'pps-wrong' | 'class-a-only';

/** What the harness knows of a card's PIN (the card holds the truth). */
export interface PinState {
  current: string;
  triesLeft: number;
  maxTries: number;
  /** False once an entry ended in a way that leaves the card's counter unknown (a fault). */
  known: boolean;
}

export interface SoakCard {
  /** Insertion number in the life: each card is a new one. */
  readonly serial: number;
  readonly kind: CardKind;
  /** ssc2, ssc3, ssc3-t1, health, psam, atr. */
  readonly profile: string;
  /** e.g. "ssc3:li-na#12 wtx-storm". */
  readonly label: string;
  readonly persona: PersonaBase | undefined;
  readonly transport: TransportVariant;
  readonly protocol: 0 | 1;
  /** The ATR the card sends, hex (uppercase, no spaces). */
  readonly atr: string;
  readonly pin: PinState | undefined;
  readonly contacts: CardContacts;
}

export function sscPersonaOf(card: SoakCard): SscPersona {
  return card.persona as SscPersona;
}
export function healthPersonaOf(card: SoakCard): HealthPersona {
  return card.persona as HealthPersona;
}
export function psamPersonaOf(card: SoakCard): PsamPersona {
  return card.persona as PsamPersona;
}

/** Makes the cards of one life, from its own random stream. */
export class CardMaker {
  #serial = 0;
  constructor(
    private readonly rng: Prng,
    /** The simulation's stream for the cards' own challenges. */
    private readonly cardRng: Prng,
  ) {}

  /** A card from `profile` and one of its personas (random unless named). */
  persona(
    profile: 'ssc2' | 'ssc3' | 'ssc3-t1' | 'health' | 'psam',
    options: { persona?: string; transport?: TransportVariant } = {},
  ): SoakCard {
    const spec = PROFILES[profile];
    const base =
      spec.personas.find((p) => p.id === options.persona) ??
      spec.personas[this.rng.int(spec.personas.length)];
    const serial = ++this.#serial;
    const hasPin = 'pin' in base && typeof (base as { pin?: unknown }).pin === 'string';
    const pinDigits = hasPin ? randomPin(this.rng) : undefined;
    const persona = (hasPin ? { ...base, pin: pinDigits } : { ...base }) as PersonaBase;
    const variant = options.transport ?? 'normal';
    const protocol = profile === 'ssc3-t1' ? 1 : 0;
    const transport = vary(transportFor(spec, persona), variant, protocol, this.rng);
    const rng = this.cardRng.fork(`card#${serial}`);
    const os = new CardOs({
      mf: buildFileTree(spec, persona),
      timing: transport,
      random: () => rng.next(),
      psam: profile === 'psam' ? psamKeyStore(persona as PsamPersona) : undefined,
    });
    const tries = (persona as { pinTriesLeft?: number }).pinTriesLeft ?? 3;
    return {
      serial,
      kind: profile === 'health' ? 'health' : profile === 'psam' ? 'psam' : 'ssc',
      profile,
      label: `${profile}:${persona.id}#${serial}${variant === 'normal' ? '' : ` ${variant}`}`,
      persona,
      transport: variant,
      protocol,
      atr: transport.atr.replace(/\s/g, '').toUpperCase(),
      pin: pinDigits
        ? { current: pinDigits, triesLeft: tries, maxTries: 3, known: true }
        : undefined,
      contacts: new VirtualCard(transport, os),
    };
  }

  /** A card with a random well-formed ATR (T=0 or T=1) that answers every APDU with 90 00. */
  atrCard(): SoakCard {
    const serial = ++this.#serial;
    const { atr, protocol } = randomAtr(this.rng);
    const { card, label } = createLabelledCard(`atr:${atr}`, {
      prng: this.cardRng.fork(`card#${serial}`),
    });
    return {
      serial,
      kind: 'atr',
      profile: 'atr',
      label: `${label}#${serial}`,
      persona: undefined,
      transport: 'normal',
      protocol,
      atr,
      pin: undefined,
      contacts: card,
    };
  }
}

function vary(
  t: CardTransportProfile,
  variant: TransportVariant,
  protocol: 0 | 1,
  rng: Prng,
): CardTransportProfile {
  switch (variant) {
    case 'normal':
      return t;
    case 'slow-nulls': {
      // Every command takes 0.3–2.5 s; a T=0 card sends NULL bytes meanwhile (§10.3.3), a T=1
      // card asks for waiting time extensions.
      const ms = 300 + rng.int(2200);
      return {
        ...t,
        processingUs: ms * 1000,
        processingUsByIns: {},
        t0NullIntervalEtu: protocol === 0 ? 400 + rng.int(4000) : t.t0NullIntervalEtu,
        t1WtxAfterUs: protocol === 1 ? 50_000 : t.t1WtxAfterUs,
      };
    }
    case 'wtx-storm': {
      // A storm of time extensions: NULLs every 12–40 etu on T=0, S(WTX) every 5–30 ms on T=1,
      // for 0.5–4 s per command.
      const ms = 500 + rng.int(3500);
      return {
        ...t,
        processingUs: ms * 1000,
        processingUsByIns: {},
        t0NullIntervalEtu: protocol === 0 ? 12 + rng.int(29) : t.t0NullIntervalEtu,
        t1WtxAfterUs: protocol === 1 ? 5_000 + rng.int(25_000) : t.t1WtxAfterUs,
      };
    }
    case 'pps-silent':
      return { ...t, pps: 'refuse-silent' };
    case 'pps-wrong':
      return { ...t, pps: 'answer-wrong' };
    case 'class-a-only':
      return { ...t, classes: ['A'] };
  }
}

const hex2 = (b: number): string => b.toString(16).padStart(2, '0').toUpperCase();

/**
 * A random well-formed ATR: direct convention, TA1 from the Fi/Di pairs a card may offer,
 * optional TC1, T=0 alone or T=1 with IFSC, BWI/CWI and TCK, up to 15 historical bytes.
 */
export function randomAtr(rng: Prng): { atr: string; protocol: 0 | 1 } {
  const ta1 = [0x11, 0x12, 0x13, 0x18, 0x94, 0x95, 0x96][rng.int(7)];
  const withTa1 = rng.chance(0.7);
  const tc1 = rng.chance(0.4) ? [0x00, 0x01, 0x02, 0xff][rng.int(4)] : undefined;
  const protocol: 0 | 1 = rng.chance(0.4) ? 1 : 0;
  const hist = Array.from(rng.bytes(rng.int(16)));
  const out: number[] = [0x3b];
  const y1 = (withTa1 ? 1 : 0) | (tc1 !== undefined ? 4 : 0) | (protocol === 1 ? 8 : 0);
  out.push((y1 << 4) | hist.length);
  if (withTa1) out.push(ta1);
  if (tc1 !== undefined) out.push(tc1);
  if (protocol === 1) {
    out.push(0x81); // TD1: T=1, TD2 follows
    out.push(0x31); // TD2: TA3 and TB3 follow, T=1
    out.push(16 + rng.int(239)); // TA3: IFSC 16..254
    out.push(((rng.int(5) & 0x0f) << 4) | (rng.int(8) + 2)); // TB3: BWI 0..4, CWI 2..9
  }
  out.push(...hist);
  if (protocol === 1) {
    let tck = 0;
    for (let i = 1; i < out.length; i++) tck ^= out[i];
    out.push(tck);
  }
  return { atr: out.map(hex2).join(''), protocol };
}
