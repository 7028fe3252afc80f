// One run of the reference kiosk transaction (ARCHITECTURE.md §6 steps 2–3) in virtual time,
// and what the floor needs from it.
import { checkTransportProfile } from '../../simulator/card/transport-profile.ts';
import { resolveCardSpec } from '../../simulator/profiles/index.ts';
import type { CardCommand, LineCharacter } from '../sim/bench-sim.ts';
import type { SlotFloorInput } from './floor.ts';

export interface TransactionRun {
  card: string;
  configuration: 'ours' | 'naive';
  /** From the card's insertion to the result, virtual ns. */
  timeNs: number;
  /** From the insertion until the card is powered (ATR and PPS done), virtual ns. */
  activationNs: number;
  /** One host round trip on this link, measured in the same simulation. */
  hostRoundTripNs: number;
  /** Card-line characters from the insertion on, every slot. */
  characters: LineCharacter[];
  /** Line events from the insertion on (simulator/line: power, clock, UART, timeouts, anomalies). */
  lineEvents: { slot: number; timeNs: number; what: string }[];
  /** Commands the cards processed, with their processing time. */
  commands: CardCommand[];
  /** What the host sent per slot (APDUs for ours, TPDUs for the naive host), hex. */
  tpdus: { card: string[]; psam: string[] };
  /** WebAssembly instructions the firmware executed, when counted. */
  instructions?: number;
  /** The same, per defined function of firmware.wasm (index among the defined functions). */
  functionInstructions?: number[];
  /** The national result code (0 = success), for ours. */
  code?: number;
}

/** Characters of one slot in the run, in order. */
export function slotCharacters(run: TransactionRun, slot: number): LineCharacter[] {
  return run.characters.filter((c) => c.slot === slot);
}

/**
 * What the floor of one slot needs: the card's transport facts from its profile, and the run's
 * characters split into the ATR (the card's first `atrLength` characters, when the run saw an
 * activation), the PPS exchange (a reader run starting FF right after the ATR, and the card's
 * answer), and the rest.
 */
export function slotFloorInput(
  run: TransactionRun,
  slot: number,
  spec: string,
  activated: boolean,
): SlotFloorInput {
  const transport = checkTransportProfile(resolveCardSpec(spec).transport);
  const atr = transport.atr;
  const group1 = atr.groups[0];
  const chars = slotCharacters(run, slot);
  let atrCharacters = 0;
  let ppsCharacters = 0;
  if (activated) {
    const atrLength = transport.profile.atr.replace(/\s/g, '').length / 2;
    atrCharacters = Math.min(atrLength, chars.length);
    let i = atrCharacters;
    if (chars[i]?.from === 'reader' && chars[i].byte === 0xff) {
      while (i < chars.length && chars[i].from === 'reader') i++;
      while (i < chars.length && chars[i].from === 'card') i++;
      ppsCharacters = i - atrCharacters;
    }
  }
  return {
    classes: transport.profile.classes,
    ta1: transport.ta1Sent,
    n: group1?.tc ?? 0,
    protocol: atr.defaultProtocol === 1 ? 1 : 0,
    atrDelayClocks: activated ? transport.profile.atrDelayClocks : 0,
    atrCharacters,
    ppsCharacters,
    characters: chars.length - atrCharacters - ppsCharacters,
    processingNs: run.commands.filter((c) => c.slot === slot).map((c) => c.processingNs),
  };
}
