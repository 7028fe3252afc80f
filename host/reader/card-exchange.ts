// One APDU to a powered card. Native (APDU level): one XfrBlock, answered by one DataBlock — our
// reader never chains a response (the largest R-APDU fits one native message, PROTOCOL.md §5),
// so a DataBlock that says more parts follow is a protocol error here. Compat (TPDU level): T=0
// through t0-tpdu.ts.
import {
  ChainLevel,
  CommandStatus,
  IccStatus,
  PcToRdr,
  RdrToPc,
} from '../../protocol/ccid-constants.ts';
import { CCID_HEADER_LENGTH } from '../../protocol/ccid-constants.ts';
import { failureError } from '../ccid/answer.ts';
import type { CcidAnswer, CcidClient } from '../ccid/ccid-client.ts';
import {
  BadRequestError,
  CardRemovedError,
  ProtocolError,
  type ReaderError,
  type ReaderErrorDetails,
} from '../ccid/errors.ts';
import type { PoweredCard } from './card-power.ts';
import { transmitT0 } from './t0-tpdu.ts';

export interface ExchangeContext {
  client: CcidClient;
  slot: number;
  card: PoweredCard;
  /** Host timeout of one XfrBlock (restarted by each time extension). */
  timeoutMs: number;
  /** The longest one XfrBlock may take, time extensions notwithstanding (slot.ts). */
  maxTimeMs?: number;
  level: 'apdu' | 'tpdu';
  details: ReaderErrorDetails;
  signal?: AbortSignal;
  /** Called when an answer shows the card is gone or deactivated. */
  onCardState(icc: IccStatus): void;
}

export async function exchangeApdu(ctx: ExchangeContext, apdu: Uint8Array): Promise<Uint8Array> {
  if (!(apdu instanceof Uint8Array) || apdu.length < 4) {
    throw new BadRequestError('an APDU is at least 4 bytes (CLA INS P1 P2)', ctx.details);
  }
  const room = ctx.client.maxMessageLength - CCID_HEADER_LENGTH;
  if (apdu.length > room) {
    throw new BadRequestError(
      `a ${apdu.length}-byte APDU exceeds this reader's ${room}`,
      ctx.details,
    );
  }
  if (ctx.level === 'tpdu') return transmitT0((tpdu) => xfr(ctx, tpdu), apdu);
  return xfr(ctx, apdu);
}

async function xfr(ctx: ExchangeContext, data: Uint8Array): Promise<Uint8Array> {
  const m = await ctx.client.command(
    {
      type: PcToRdr.XfrBlock,
      slot: ctx.slot,
      bwi: 0,
      levelParameter: ChainLevel.Complete,
      data,
    },
    { timeoutMs: ctx.timeoutMs, maxTimeMs: ctx.maxTimeMs, signal: ctx.signal },
  );
  if (m.type !== RdrToPc.DataBlock) throw new ProtocolError('XfrBlock: no DataBlock', ctx.details);
  if (m.commandStatus === CommandStatus.Failed) {
    ctx.onCardState(m.iccStatus);
    throw cardError(m, ctx.details);
  }
  if (m.chainParameter !== ChainLevel.Complete) {
    throw new ProtocolError(
      `XfrBlock: a DataBlock with bChainParameter ${m.chainParameter}; the reader's answers are never chained`,
      ctx.details,
    );
  }
  return m.data;
}

function cardError(m: CcidAnswer, details: ReaderErrorDetails): ReaderError {
  if (m.iccStatus === IccStatus.NoIcc) {
    return new CardRemovedError(`slot ${m.slot}: the card was removed`, {
      ...details,
      bError: m.error,
    });
  }
  return failureError(m, 'APDU', details);
}
