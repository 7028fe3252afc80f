// What the rest of the project uses from the card profiles: resolveCardSpec turns a card spec
// (`ssc3`, `ssc3:ayguli`, `psam:no-sm4`, `atr:3B6D…`) into a card operating system and its
// transport profile; describeProfiles lists profiles and personas (--list-cards); the personas
// themselves are exported typed, for end-to-end tests that compare driver output with them.

import { AtrError, decodeAtr } from '../../protocol/atr.ts';
import { fromHex, ByteFieldError } from '../../protocol/bytes.ts';
import type { ApduProcessor, CardTransportProfile } from '../card/contract.ts';
import { CardOs } from '../cos/card-os.ts';
import { AlwaysOkCard } from './always-ok-card.ts';
import { HEALTH_PROFILE } from './health-profile.ts';
import { buildFileTree, personaAtr, psamKeyStore, transportFor } from './loader.ts';
import type { HealthPersona, PsamPersona, SscPersona } from './personas.ts';
import type { CardProfileSpec, PersonaBase } from './profile-schema.ts';
import { PSAM_PROFILE } from './psam-profile.ts';
import { seededRandom, seedOf } from './seeded-random.ts';
import { SSC2_PROFILE, SSC3_PROFILE, SSC3_T1_PROFILE } from './ssc-profiles.ts';

export { HEALTH_PERSONAS, PSAM_PERSONAS, SSC2_PERSONAS, SSC3_PERSONAS } from './personas.ts';
export type { BankData, HealthPersona, PsamPersona, SscPersona } from './personas.ts';

/** A card spec that names no known profile or persona, or an unusable `atr:` value. */
export class CardSpecError extends Error {
  override readonly name = 'CardSpecError';
  constructor(
    readonly spec: string,
    message: string,
  ) {
    super(`card spec ${JSON.stringify(spec)}: ${message}`);
  }
}

export interface ResolvedCard {
  transport: CardTransportProfile;
  os: ApduProcessor;
  /** e.g. "ssc3:li-na" or "atr:3B6D…". */
  label: string;
}

export interface ResolveOptions {
  /** The card's random source for challenges, [0, 1); default: seeded from the spec. */
  random?: () => number;
}

type AnyProfile = CardProfileSpec<PersonaBase>;

export const PROFILES: Readonly<Record<string, AnyProfile>> = {
  ssc2: SSC2_PROFILE,
  ssc3: SSC3_PROFILE,
  'ssc3-t1': SSC3_T1_PROFILE,
  health: HEALTH_PROFILE,
  psam: PSAM_PROFILE,
};

/** Default processing time of an `atr:` card, µs. */
const ATR_CARD_PROCESSING_US = 1_000;

export function resolveCardSpec(spec: string, options: ResolveOptions = {}): ResolvedCard {
  if (typeof spec !== 'string') throw new CardSpecError(String(spec), 'not a string');
  const random = options.random ?? seededRandom(seedOf(spec));
  if (spec.startsWith('atr:')) return atrCard(spec);
  const { profile, persona } = findPersona(spec);
  const mf = buildFileTree(profile, persona);
  const transport = transportFor(profile, persona);
  const psam =
    profile === (PSAM_PROFILE as unknown as AnyProfile)
      ? psamKeyStore(persona as PsamPersona)
      : undefined;
  const os = new CardOs({ mf, timing: transport, random, psam });
  return { transport, os, label: `${profile.name}:${persona.id}` };
}

/** The profile and persona a `<profile>[:<persona>]` spec names. */
export function findPersona(spec: string): { profile: AnyProfile; persona: PersonaBase } {
  const colon = spec.indexOf(':');
  const profileName = colon < 0 ? spec : spec.slice(0, colon);
  const profile = Object.hasOwn(PROFILES, profileName) ? PROFILES[profileName] : undefined;
  if (!profile) {
    throw new CardSpecError(
      spec,
      `unknown profile ${JSON.stringify(profileName)}; known: ${Object.keys(PROFILES).join(', ')}, atr:<hex>`,
    );
  }
  const personaId = colon < 0 ? profile.defaultPersona : spec.slice(colon + 1);
  const persona = profile.personas.find((p) => p.id === personaId);
  if (!persona) {
    throw new CardSpecError(
      spec,
      `profile ${profile.name} has no persona ${JSON.stringify(personaId)}; known: ${profile.personas.map((p) => p.id).join(', ')}`,
    );
  }
  return { profile, persona };
}

/** Typed look-ups for tests: the persona data a spec's card carries. */
export function sscPersona(spec: string): SscPersona {
  const { profile, persona } = findPersona(spec);
  if (profile.keyScheme !== 'ssc') throw new CardSpecError(spec, 'not a social security card');
  return persona as SscPersona;
}

export function healthPersona(spec: string): HealthPersona {
  const { profile, persona } = findPersona(spec);
  if (profile.keyScheme !== 'health') throw new CardSpecError(spec, 'not a health card');
  return persona as HealthPersona;
}

export function psamPersona(spec: string): PsamPersona {
  const { profile, persona } = findPersona(spec);
  if (profile.name !== 'psam') throw new CardSpecError(spec, 'not a PSAM');
  return persona as PsamPersona;
}

function atrCard(spec: string): ResolvedCard {
  const text = spec.slice(4);
  let atr: Uint8Array;
  try {
    atr = fromHex(text);
    decodeAtr(atr);
  } catch (e) {
    if (e instanceof AtrError || e instanceof ByteFieldError)
      throw new CardSpecError(spec, `bad ATR: ${e.message}`);
    throw e;
  }
  const hex = Array.from(atr, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join('');
  return {
    transport: {
      atr: hex,
      classes: ['A', 'B', 'C'],
      atrDelayClocks: 10_000,
      pps: 'accept',
      processingUs: ATR_CARD_PROCESSING_US,
      t0NullIntervalEtu: 0,
      t0: { case4: '61xx', wrongLe: '6Cxx' },
    },
    os: new AlwaysOkCard(ATR_CARD_PROCESSING_US),
    label: `atr:${hex}`,
  };
}

export interface PersonaDescription {
  /** The spec that selects it, e.g. "ssc3:ayguli". */
  spec: string;
  id: string;
  label: string;
  isDefault: boolean;
  atr: string;
  /** Test PIN, or null for cards without one. */
  pin: string | null;
  /** Every persona field (the card data), as stored in personas.ts. */
  data: PersonaBase;
}

export interface ProfileDescription {
  name: string;
  description: string;
  algorithm: string | null;
  protocol: 'T=0' | 'T=1';
  personas: PersonaDescription[];
}

/** Profiles and personas with their data and PINs (`npm run sim -- --list-cards [--json]`). */
export function describeProfiles(): ProfileDescription[] {
  return Object.values(PROFILES).map((profile) => ({
    name: profile.name,
    description: profile.description,
    algorithm: profile.algorithm,
    protocol:
      decodeAtr(fromHex(personaAtr(profile, profile.personas[0]))).defaultProtocol === 1
        ? 'T=1'
        : 'T=0',
    personas: profile.personas.map((persona) => ({
      spec: `${profile.name}:${persona.id}`,
      id: persona.id,
      label: persona.label,
      isDefault: persona.id === profile.defaultPersona,
      atr: personaAtr(profile, persona),
      pin: 'pin' in persona && typeof persona.pin === 'string' ? persona.pin : null,
      data: persona,
    })),
  }));
}
