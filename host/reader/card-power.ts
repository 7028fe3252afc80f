// Powering a card and learning its parameters (ATR decoded with protocol/atr.ts). Native: the
// reader activates the card, negotiates PPS and IFSD itself (APDU level), and GetParameters tells
// what it settled on. Compat (TPDU level): the driver sets T=0 parameters from the ATR without
// PPS; T=1 needs the host block layer, which this driver does not implement in compat.
//
// The voltage class (bPowerSelect). ISO 7816-3 §6.2.4 has a reader that chooses for itself start
// at the lowest class (C, then B, then A) and move up only when the card stays mute; a card whose
// ATR has no class indicator keeps the class it was activated at. Our firmware does exactly that
// for bPowerSelect 00 (automatic). But every card this driver is for works at class A: the social
// security card (its specification, Part 2, gives class A and class B currents), the resident
// health card, the bank application on the same chip (EMV: class A) and PSAMs. At automatic
// such a card costs a mute class-C attempt at power-on (40 000 clocks, deactivation, 10 ms
// before the next class: about 30 ms), then runs at class B, whose activation clock is 4 MHz;
// class A allows 5 MHz, and the social security card forbids changing the clock after the ATR
// (ARCHITECTURE.md §6), so class B makes every character of the session 25 % slower. libccid
// asks serial readers for 5 V (bPowerSelect 01) for the same reason. So the driver asks for
// class A (PowerSelect.V5) by default, for every slot; ReaderOptions.powerSelect chooses another
// class or automatic, per slot if need be. A card whose ATR indicates classes without A gets
// ICC_CLASS_NOT_SUPPORTED from the reader (it was activated at 5 V, which its class indicator
// does not list): the driver then powers it once more at automatic, where the reader finds a
// class the card lists.
import { AtrError, decodeAtr, type Atr } from '../../protocol/atr.ts';
import {
  CcidError,
  PcToRdr,
  PowerSelect,
  ProtocolNum,
  RdrToPc,
} from '../../protocol/ccid-constants.ts';
import type { ProtocolParameters } from '../../protocol/ccid-parameters.ts';
import { DEFAULT_TA1 } from '../../protocol/iso7816-tables.ts';
import { expectOk } from '../ccid/answer.ts';
import type { CcidClient } from '../ccid/ccid-client.ts';
import { exchangeTimeoutMs, powerOnTimeoutMs } from '../ccid/card-timeouts.ts';
import {
  CardMuteError,
  NotSupportedInCompatError,
  ProtocolError,
  ReaderError,
  type ReaderErrorDetails,
} from '../ccid/errors.ts';

/** bPowerSelect the driver asks for when told nothing else: class A (5 V), see above. */
export const DEFAULT_POWER_SELECT = PowerSelect.V5;

export interface PoweredCard {
  readonly atr: Uint8Array;
  readonly atrInfo: Atr;
  /** 0 = T=0, 1 = T=1. */
  readonly protocol: ProtocolNum;
  readonly parameters: ProtocolParameters;
  /** Host timeout of one XfrBlock, from the parameters (libccid's formulas). */
  readonly exchangeTimeoutMs: number;
}

export async function powerOn(
  client: CcidClient,
  slot: number,
  level: 'apdu' | 'tpdu',
  details: ReaderErrorDetails,
  powerSelect: PowerSelect = DEFAULT_POWER_SELECT,
): Promise<PoweredCard> {
  const iccPowerOn = async (select: PowerSelect) =>
    expectOk(
      await client.command(
        { type: PcToRdr.IccPowerOn, slot, powerSelect: select },
        { timeoutMs: powerOnTimeoutMs() },
      ),
      `power on slot ${slot}`,
      details,
    );
  let answer;
  try {
    answer = await iccPowerOn(powerSelect);
  } catch (e) {
    // The card's class indicator does not list the class asked for: let the reader choose.
    const classRefused = e instanceof ReaderError && e.bError === CcidError.IccClassNotSupported;
    if (!classRefused || powerSelect === PowerSelect.Automatic) throw e;
    answer = await iccPowerOn(PowerSelect.Automatic);
  }
  if (answer.type !== RdrToPc.DataBlock) {
    throw new ProtocolError(`power on slot ${slot}: no DataBlock`, details);
  }
  let atrInfo: Atr;
  try {
    atrInfo = decodeAtr(answer.data);
  } catch (e) {
    if (e instanceof AtrError) {
      throw new CardMuteError(`slot ${slot}: the card's ATR is malformed (${e.message})`, {
        ...details,
        cause: e,
      });
    }
    throw e;
  }
  const parameters =
    level === 'apdu'
      ? await currentParameters(client, slot, details)
      : await setCompatParameters(client, slot, atrInfo, details);
  return {
    atr: atrInfo.bytes,
    atrInfo,
    protocol: parameters.protocol,
    parameters,
    exchangeTimeoutMs: exchangeTimeoutMs(parameters),
  };
}

async function currentParameters(
  client: CcidClient,
  slot: number,
  details: ReaderErrorDetails,
): Promise<ProtocolParameters> {
  const m = expectOk(
    await client.command({ type: PcToRdr.GetParameters, slot }),
    `GetParameters slot ${slot}`,
    details,
  );
  if (m.type !== RdrToPc.Parameters || !m.parameters) {
    throw new ProtocolError(`GetParameters slot ${slot}: no parameters`, details);
  }
  return m.parameters;
}

async function setCompatParameters(
  client: CcidClient,
  slot: number,
  atr: Atr,
  details: ReaderErrorDetails,
): Promise<ProtocolParameters> {
  if (atr.defaultProtocol !== 0) {
    await client.command({ type: PcToRdr.IccPowerOff, slot }).catch(() => undefined);
    throw new NotSupportedInCompatError(
      `slot ${slot}: the card speaks T=${atr.defaultProtocol}; at TPDU level (compat) the host ` +
        'would run the T=1 block protocol, which this driver does not implement',
      details,
    );
  }
  // Without PPS the card stays at Fd/Dd, unless TA2 fixes TA1's values (specific mode, b5 = 0).
  const specific = atr.specificMode;
  const ta1 = specific && !specific.implicitParameters ? atr.ta1 : DEFAULT_TA1;
  const parameters: ProtocolParameters = {
    protocol: ProtocolNum.T0,
    fi: ta1 >> 4,
    di: ta1 & 0x0f,
    inverseConvention: atr.convention === 'inverse',
    guardTime: atr.extraGuardTime,
    waitingInteger: atr.waitingIntegerT0,
    clockStop: 0,
  };
  const m = expectOk(
    await client.command({ type: PcToRdr.SetParameters, slot, parameters }),
    `SetParameters slot ${slot}`,
    details,
  );
  return m.type === RdrToPc.Parameters && m.parameters ? m.parameters : parameters;
}

export async function powerOff(client: CcidClient, slot: number): Promise<void> {
  await client.command({ type: PcToRdr.IccPowerOff, slot });
}
