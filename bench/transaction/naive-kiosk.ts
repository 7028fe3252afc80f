// What kiosks do today, for comparison: the command sequence of the real trace
// (kiosk-cards.md §1.9) on a naive reader configuration — the compat profile, so the host runs
// the TPDUs (T=0: GET RESPONSE included; T=1: blocks, bench/transaction/naive-t1.ts) and every TPDU
// is one host round trip; no PPS; the card clock at 3.5712 MHz. The HSM of the trace is replaced by the PSAM in slot 1, driven the same
// naive way, one step after the other (no overlap with the user card).
//
// In the naive host's favour: it polls GetSlotStatus back to back, so it learns of the insertion
// one round trip after the reader does; the HSM's network time of the real trace is not counted.
import { CommandStatus, IccStatus, PcToRdr, RdrToPc } from '../../protocol/ccid-constants.ts';
import { fromHex, toHex } from '../../protocol/bytes.ts';
import type { CardChannel } from '../../host/cards/channel.ts';
import { Psam } from '../../host/cards/psam/psam.ts';
import { algorithmBlockSize, algorithmOfId } from '../../host/cards/ssc/algorithm.ts';
import { KEY_IDS } from '../../host/cards/ssc/card-auth.ts';
import { sscDiversificationFactors } from '../../host/cards/ssc/diversification.ts';
import { parseSsseFci } from '../../host/cards/ssc/ssse.ts';
import { transceive } from '../../host/cards/transceive.ts';
import { parseCommandApdu } from '../../protocol/iso7816/apdu.ts';
import type { HalImports } from '../../firmware/hal.ts';
import type { Simulation } from '../../simulator/simulation.ts';
import { BenchSim } from '../sim/bench-sim.ts';
import { RawHost } from '../sim/raw-host.ts';
import { TRACE_1_9, type TraceStep } from './trace-commands.ts';
import { NaiveT1Channel } from './naive-t1.ts';
import { decodeAtr } from '../../protocol/atr.ts';
import type { TransactionRun } from './transaction-run.ts';

/** The clock of a naive reader: 3.5712 MHz, the classic 9600 bps at F = 372, D = 1. */
export const NAIVE_CLOCK_HZ = 3_571_200;

/** The firmware asks for its activation clock; the naive reader's hardware runs 3.5712 MHz. */
function naiveClock(hal: HalImports, sim: () => Simulation | undefined): HalImports {
  return {
    ...hal,
    card_clock: (slot, khz) => {
      const s = sim();
      if (khz > 0 && s) s.reader.lines[slot].clockHz(NAIVE_CLOCK_HZ);
      else hal.card_clock(slot, khz);
    },
  };
}

/** ISO 7816-3 §12.2: a short APDU as a T=0 TPDU (case 4 loses its Le; the card answers 61xx). */
export function t0Tpdu(apdu: Uint8Array): Uint8Array {
  if (apdu.length <= 5) return apdu;
  const lc = apdu[4];
  return apdu.length === 5 + lc + 1 ? apdu.subarray(0, 5 + lc) : apdu;
}

/** A card channel of the naive host: one XfrBlock TPDU per transmit, in the compat profile. */
class NaiveChannel implements CardChannel {
  readonly log: string[] = [];
  constructor(
    private readonly host: RawHost,
    private readonly slot: number,
    readonly atr: Uint8Array,
  ) {}

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    const tpdu = t0Tpdu(apdu);
    this.log.push(toHex(tpdu).replace(/ /g, ''));
    return this.host.xfr(this.slot, tpdu);
  }
}

async function waitForCard(host: RawHost, slot: number): Promise<void> {
  for (;;) {
    const m = await host.command({ type: PcToRdr.GetSlotStatus, slot });
    if (
      m.type === RdrToPc.SlotStatus &&
      m.commandStatus !== CommandStatus.Failed &&
      m.iccStatus !== IccStatus.NoIcc
    )
      return;
  }
}

export async function naiveTransaction(spec: string): Promise<TransactionRun> {
  const bench = await BenchSim.create({ seed: 1, wrapHal: naiveClock });
  bench.insert(1, 'psam');
  const running = bench.sim.run();
  const host = await RawHost.open(bench.sim);
  try {
    const psamChannel = new NaiveChannel(host, 1, await host.powerOn(1));
    const psam = new Psam(psamChannel);
    const roundTrip0 = bench.sim.clock.now();
    await host.command({ type: PcToRdr.GetSlotStatus, slot: 0 });
    const hostRoundTripNs = bench.sim.clock.now() - roundTrip0;

    const t0 = bench.sim.clock.now();
    const commands0 = bench.commands.length;
    bench.insert(0, spec);
    await waitForCard(host, 0);
    const atr = await host.powerOn(0);
    const card = await naiveChannel(host, 0, atr);
    const activatedNs = bench.sim.clock.now();
    let algorithmId = 0;
    let cardId = '';
    const challenges: Partial<Record<Extract<TraceStep, { kind: 'challenge' }>['as'], Uint8Array>> =
      {};
    let expected: Uint8Array | undefined;
    for (const step of TRACE_1_9) {
      switch (step.kind) {
        case 'apdu': {
          const r = await transceive(card, parseCommandApdu(fromHex(step.hex)));
          if (step.note === 'SELECT SSSE') algorithmId = parseSsseFci(r.data).algorithmId ?? 0;
          if (step.hex === '00B2010012') cardId = toHex(r.data.subarray(2, 18)).replace(/ /g, '');
          break;
        }
        case 'challenge':
          challenges[step.as] = (
            await transceive(card, parseCommandApdu(fromHex('0084000008')))
          ).data;
          break;
        case 'internal-authenticate': {
          const pf = challenges.internalFactor!;
          const oi = challenges.internalOriginal!;
          const answer = await transceive(card, {
            cla: 0x00,
            ins: 0x88,
            p1: 0x00,
            p2: 0x00,
            data: Uint8Array.of(...pf, ...oi),
          });
          expected = await psam.authenticationData(
            request(algorithmId, cardId, KEY_IDS.IRK, pf),
            oi,
            blockSize(algorithmId),
          );
          if (toHex(answer.data) !== toHex(expected))
            throw new Error('naive transaction: INTERNAL AUTHENTICATE differs from the PSAM');
          break;
        }
        case 'external-authenticate': {
          const pf = challenges.externalFactor!;
          const oi = challenges.externalOriginal!;
          const authData = await psam.authenticationData(
            request(algorithmId, cardId, KEY_IDS.RKSSSE, pf),
            oi,
            blockSize(algorithmId),
          );
          const r = await transceive(card, {
            cla: 0x00,
            ins: 0x82,
            p1: 0x00,
            p2: KEY_IDS.RKSSSE,
            data: Uint8Array.of(...authData, ...oi),
          });
          if (r.sw !== 0x9000)
            throw new Error(
              `naive transaction: EXTERNAL AUTHENTICATE answered ${r.sw.toString(16)}`,
            );
          break;
        }
      }
    }
    const endNs = bench.sim.clock.now();
    return {
      card: spec,
      configuration: 'naive',
      timeNs: endNs - t0,
      activationNs: activatedNs - t0,
      hostRoundTripNs,
      characters: bench.charactersSince(t0),
      lineEvents: bench.lineEvents.filter((e) => e.timeNs >= t0),
      commands: bench.commands.slice(commands0),
      tpdus: { card: card.log, psam: psamChannel.log },
    };
  } finally {
    await host.close();
    await bench.sim.stop();
    await running;
  }
}

/** T=0 TPDUs, or the naive T=1 block layer when the card's ATR says T=1. */
async function naiveChannel(
  host: RawHost,
  slot: number,
  atrBytes: Uint8Array,
): Promise<CardChannel & { log: string[] }> {
  const atr = decodeAtr(atrBytes);
  if (atr.defaultProtocol !== 1) return new NaiveChannel(host, slot, atrBytes);
  if (!atr.t1) throw new Error('naive transaction: a T=1 ATR without T=1 parameters');
  return NaiveT1Channel.open(host, slot, atrBytes, {
    guardTime: atr.extraGuardTime,
    bwi: atr.t1.bwi,
    cwi: atr.t1.cwi,
    ifsc: atr.t1.ifsc,
  });
}

function request(algorithmId: number, cardId: string, keyId: number, processFactor: Uint8Array) {
  return { p1: algorithmId, keyId, factors: sscDiversificationFactors(cardId), processFactor };
}

function blockSize(algorithmId: number): 8 | 16 {
  const alg = algorithmOfId(algorithmId);
  if (!alg) throw new Error(`naive transaction: unknown algorithm ${algorithmId}`);
  return algorithmBlockSize(alg);
}
