// Which card was in which slot when, and whether what the host reported came from the right one.
// A session is opened on the card in the slot while `connect` runs; anything it reports must be
// that card's (its ATR, its persona's data, the PSAM's terminal number). A card pulled and another
// inserted in between must end the session with an error, never hand over the new card's data.
import type { BankCardData, HealthCardData, SscBasicInfo } from '../host/cards/index.ts';
import { PROFILES } from '../simulator/profiles/index.ts';
import type { PersonaBase } from '../simulator/profiles/profile-schema.ts';
import type { HealthPersona, PsamPersona, SscPersona } from '../simulator/profiles/personas.ts';
import type { SoakCard } from './cards.ts';

interface Stay {
  card: SoakCard;
  inMs: number;
  outMs: number;
}

export class Occupancy {
  readonly #stays: Stay[][];

  constructor(slots: number) {
    this.#stays = Array.from({ length: slots }, () => []);
  }

  insert(slot: number, card: SoakCard, atMs: number): void {
    this.remove(slot, atMs);
    this.#stays[slot].push({ card, inMs: atMs, outMs: Infinity });
    // Old stays are no longer asked about: keep the list short (host memory of the harness).
    if (this.#stays[slot].length > 16) this.#stays[slot].shift();
  }

  remove(slot: number, atMs: number): void {
    const last = this.#stays[slot].at(-1);
    if (last && last.outMs === Infinity) last.outMs = atMs;
  }

  current(slot: number): SoakCard | undefined {
    const last = this.#stays[slot].at(-1);
    return last && last.outMs === Infinity ? last.card : undefined;
  }

  /** The cards that were in `slot` at some instant of [fromMs, toMs]. */
  during(slot: number, fromMs: number, toMs: number): SoakCard[] {
    return this.#stays[slot].filter((s) => s.inMs <= toMs && s.outMs >= fromMs).map((s) => s.card);
  }
}

/** What a report says against what each candidate card holds; '' when one candidate matches. */
type Facts = Record<string, string>;

function mismatch(what: string, got: Facts, candidates: Facts[]): string {
  if (candidates.some((c) => Object.keys(c).every((k) => c[k] === got[k]))) return '';
  const want = candidates.length
    ? candidates.map((c) => JSON.stringify(c)).join(' or ')
    : 'no card in the slot at that time';
  return `${what} reported ${JSON.stringify(got)}; the slot held ${want}`;
}

/**
 * A persona of the same profile other than `card`'s: the harness's deliberately wrong belief for
 * --invariant-break card-identity.
 */
export function otherPersona(card: SoakCard): PersonaBase | undefined {
  const personas = PROFILES[card.profile]?.personas ?? [];
  return personas.find((p) => p.id !== card.persona?.id);
}

export function sscFacts(p: SscPersona): Facts {
  return {
    socialSecurityNumber: p.ssn,
    name: p.name,
    cardId: p.cardId,
    cardNumber: p.cardNo,
    issueDate: p.issueDate,
    expiryDate: p.expiryDate,
  };
}

export function checkSsc(info: SscBasicInfo, cards: PersonaBase[], psams: SoakCard[]): string {
  const got: Facts = {
    socialSecurityNumber: info.socialSecurityNumber,
    name: info.name,
    cardId: info.cardId,
    cardNumber: info.cardNumber,
    issueDate: info.issueDate,
    expiryDate: info.expiryDate,
  };
  const card = mismatch(
    'the social security card read',
    got,
    cards.map((p) => sscFacts(p as SscPersona)),
  );
  if (card) return card;
  return mismatch(
    'the terminal number (PSAM)',
    { terminalNumber: info.terminalNumber },
    psams.map((c) => ({ terminalNumber: (c.persona as PsamPersona).terminalNumber })),
  );
}

export function checkBank(data: BankCardData, cards: PersonaBase[]): string {
  return mismatch(
    'the bank application read',
    { pan: data.pan },
    cards.map((p) => ({ pan: (p as SscPersona).bank.pan })),
  );
}

export function healthFacts(p: HealthPersona): Facts {
  return { name: p.name, idNumber: p.idNumber, cardNumber: p.cardNo, chipSerial: p.chipSerial };
}

export function checkHealth(data: HealthCardData, cards: PersonaBase[]): string {
  return mismatch(
    'the health card read',
    {
      name: data.holder.name,
      idNumber: data.holder.idNumber,
      cardNumber: data.issuer.cardNumber,
      chipSerial: data.issuer.chipSerial,
    },
    cards.map((p) => healthFacts(p as HealthPersona)),
  );
}

export function checkAtr(atr: Uint8Array, cards: SoakCard[]): string {
  const hex = Buffer.from(atr).toString('hex').toUpperCase();
  return mismatch(
    "the session's ATR",
    { atr: hex },
    cards.map((c) => ({ atr: c.atr })),
  );
}
