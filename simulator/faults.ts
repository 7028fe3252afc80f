// Fault plans: which faults a run injects, all drawn from the run's seed (line parity errors,
// host link noise, loss and duplication) or placed at fixed virtual times (a pull, a flash power
// cut). CLI form: --fault <spec>, repeatable:
//   parity:<rate>        every character transmission on every slot corrupted with this probability
//   mute[:<slot>]        the card in the slot (default 0) never answers
//   pull:<ms>            the user card is pulled at this virtual time
//   host-noise:<rate>    one bit flipped per host-link chunk with this probability
//   host-loss:<rate>     host-link chunks lost
//   host-dup:<rate>      host-link chunks delivered twice
//   flash-cut:<n>[@<f>]  the power is cut during the n-th flash operation, fraction f (0.5) through
import { SLOT_COUNT } from '../firmware/hal.ts';
import { FaultSpecError } from './errors.ts';
import type { HostLinkFaults } from './reader/host-link.ts';

export interface FaultPlan {
  parityErrorRate?: number;
  muteSlots?: number[];
  pullAtMs?: number;
  host?: HostLinkFaults;
  flashCut?: { op: number; fraction: number };
}

function rate(spec: string, value: string | undefined): number {
  const p = Number(value);
  if (value === undefined || value === '' || !(p >= 0 && p <= 1))
    throw new FaultSpecError(`${spec}: the rate must be a number 0..1`);
  return p;
}

export function parseFaults(specs: string[]): FaultPlan {
  const plan: FaultPlan = {};
  for (const spec of specs) {
    const [name, value] = spec.split(/:(.*)/s);
    switch (name) {
      case 'parity':
        plan.parityErrorRate = rate(spec, value);
        break;
      case 'mute': {
        const slot = value === undefined ? 0 : Number(value);
        if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT)
          throw new FaultSpecError(`${spec}: slot must be 0..${SLOT_COUNT - 1}`);
        plan.muteSlots = [...(plan.muteSlots ?? []), slot];
        break;
      }
      case 'pull': {
        const ms = Number(value);
        if (!value || !(ms >= 0) || !Number.isFinite(ms))
          throw new FaultSpecError(`${spec}: pull needs a virtual time in ms`);
        plan.pullAtMs = ms;
        break;
      }
      case 'host-noise':
        plan.host = { ...plan.host, noise: rate(spec, value) };
        break;
      case 'host-loss':
        plan.host = { ...plan.host, loss: rate(spec, value) };
        break;
      case 'host-dup':
        plan.host = { ...plan.host, duplication: rate(spec, value) };
        break;
      case 'flash-cut': {
        const m = /^(\d+)(?:@([0-9.]+))?$/.exec(value ?? '');
        const fraction = m?.[2] === undefined ? 0.5 : Number(m[2]);
        if (!m || Number(m[1]) < 1 || !(fraction >= 0 && fraction <= 1))
          throw new FaultSpecError(`${spec}: use flash-cut:<n>[@<fraction 0..1>]`);
        plan.flashCut = { op: Number(m[1]), fraction };
        break;
      }
      default:
        throw new FaultSpecError(
          `unknown fault "${spec}" (parity:, mute, pull:, host-noise:, host-loss:, host-dup:, flash-cut:)`,
        );
    }
  }
  return plan;
}
