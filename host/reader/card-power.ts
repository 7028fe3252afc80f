// Powering a card and learning its parameters (ATR decoded with protocol/atr.ts). Native: the
// reader activates the card, negotiates PPS and IFSD itself (APDU level), and GetParameters tells
// what it settled on. Compat (TPDU level): the driver sets T=0 parameters from the ATR without
// PPS; T=1 needs the host block layer, which this driver does not implement in compat.
import { AtrError, decodeAtr, type Atr } from '../../protocol/atr.ts';
import { PcToRdr, PowerSelect, ProtocolNum, RdrToPc } from '../../protocol/ccid-constants.ts';
import type { ProtocolParameters } from '../../protocol/ccid-parameters.ts';
import { DEFAULT_TA1 } from '../../protocol/iso7816-tables.ts';
import { expectOk } from '../ccid/answer.ts';
import type { CcidClient } from '../ccid/ccid-client.ts';
import { exchangeTimeoutMs, powerOnTimeoutMs } from '../ccid/card-timeouts.ts';
import {
  CardMuteError,
  NotSupportedInCompatError,
  ProtocolError,
  type ReaderErrorDetails,
} from '../ccid/errors.ts';

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
): Promise<PoweredCard> {
  const answer = expectOk(
    await client.command(
      {
        type: PcToRdr.IccPowerOn,
        slot,
        // libccid powers serial readers at 5 V; our reader selects the class itself (C, B, A).
        powerSelect: level === 'apdu' ? PowerSelect.Automatic : PowerSelect.V5,
      },
      { timeoutMs: powerOnTimeoutMs() },
    ),
    `power on slot ${slot}`,
    details,
  );
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
