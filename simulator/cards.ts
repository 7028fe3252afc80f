// Card factory: a card spec (ssc2, ssc3[:persona], ssc3-t1, health, psam, atr:<hex>) becomes a
// card to put in a slot: the profile's transport and card operating system
// (simulator/profiles) behind the ISO 7816-3 card side (simulator/card).
import type { CardContacts } from './card/contract.ts';
import { VirtualCard } from './card/virtual-card.ts';
import type { Prng } from './engine/prng.ts';
import { resolveCardSpec } from './profiles/index.ts';

export { CardSpecError, describeProfiles } from './profiles/index.ts';

export interface LabelledCard {
  card: CardContacts;
  /** e.g. "ssc3:li-na". */
  label: string;
}

export interface CreateCardOptions {
  /** The run's random source: the card's challenges then follow the simulation seed. */
  prng?: Prng;
}

export function createLabelledCard(spec: string, options: CreateCardOptions = {}): LabelledCard {
  const rng = options.prng?.fork(`card:${spec}`);
  const resolved = resolveCardSpec(spec, rng ? { random: () => rng.next() } : {});
  return { card: new VirtualCard(resolved.transport, resolved.os), label: resolved.label };
}

/** Throws CardSpecError (simulator/profiles) for an unknown profile, persona or a bad ATR. */
export function createCard(spec: string, options: CreateCardOptions = {}): CardContacts {
  return createLabelledCard(spec, options).card;
}
