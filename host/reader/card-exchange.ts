// One APDU to a powered card. Native (APDU level): one XfrBlock; a response the reader chains
// (bChainParameter 1 or 3) is collected with empty XfrBlocks of wLevelParameter 0x10 (CCID §6.1.4,
// iso7816-and-ccid.md §B5). Compat (TPDU level): T=0 through t0-tpdu.ts.
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

/** Bound on response chaining: 64 parts of 4 KiB is far more than any R-APDU (65 538 bytes). */
const MAX_RESPONSE_PARTS = 64;

export interface ExchangeContext {
  client: CcidClient;
  slot: number;
  card: PoweredCard;
  /** Host timeout of one XfrBlock (restarted by each time extension). */
  timeoutMs: number;
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
  if (ctx.level === 'tpdu') return transmitT0((tpdu) => xfr(ctx, tpdu, ChainLevel.Complete), apdu);
  const parts: Uint8Array[] = [];
  let m = await xfrBlock(ctx, apdu, ChainLevel.Complete);
  for (let i = 0; ; i++) {
    parts.push(m.data);
    if (m.chainParameter !== ChainLevel.Begins && m.chainParameter !== ChainLevel.Continues) break;
    if (i >= MAX_RESPONSE_PARTS) {
      throw new ProtocolError(
        `response chained over more than ${MAX_RESPONSE_PARTS} parts`,
        ctx.details,
      );
    }
    m = await xfrBlock(ctx, new Uint8Array(0), ChainLevel.ContinueResponse);
  }
  return parts.length === 1 ? parts[0] : concat(parts);
}

async function xfr(ctx: ExchangeContext, data: Uint8Array, level: ChainLevel): Promise<Uint8Array> {
  return (await xfrBlock(ctx, data, level)).data;
}

async function xfrBlock(
  ctx: ExchangeContext,
  data: Uint8Array,
  levelParameter: ChainLevel,
): Promise<Extract<CcidAnswer, { type: RdrToPc.DataBlock }>> {
  const m = await ctx.client.command(
    { type: PcToRdr.XfrBlock, slot: ctx.slot, bwi: 0, levelParameter, data },
    { timeoutMs: ctx.timeoutMs, signal: ctx.signal },
  );
  if (m.type !== RdrToPc.DataBlock) throw new ProtocolError('XfrBlock: no DataBlock', ctx.details);
  if (m.commandStatus === CommandStatus.Failed) {
    ctx.onCardState(m.iccStatus);
    throw cardError(m, ctx.details);
  }
  return m;
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

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
