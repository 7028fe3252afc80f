import { describe, expect, it } from 'vitest';
import { ChainLevel, CommandStatus, IccStatus, RdrToPc } from '../../protocol/ccid-constants.ts';
import { NATIVE_MAX_MESSAGE_LENGTH } from '../../protocol/serial-constants.ts';
import type { CcidAnswer, CcidClient, CommandOptions } from '../ccid/ccid-client.ts';
import type { PoweredCard } from './card-power.ts';
import { exchangeApdu, type ExchangeContext } from './card-exchange.ts';

/** A client that answers every XfrBlock with one DataBlock of bChainParameter `chain`. */
function context(chain: number, seen: CommandOptions[] = []): ExchangeContext {
  const client = {
    maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH,
    command: async (_c: unknown, options: CommandOptions): Promise<CcidAnswer> => {
      seen.push(options);
      return {
        type: RdrToPc.DataBlock,
        slot: 0,
        seq: 0,
        iccStatus: IccStatus.PresentActive,
        commandStatus: CommandStatus.Ok,
        error: 0,
        chainParameter: chain,
        data: Uint8Array.of(0x90, 0x00),
      };
    },
  } as unknown as CcidClient;
  return {
    client,
    slot: 0,
    card: {} as PoweredCard,
    timeoutMs: 5000,
    maxTimeMs: 63_000,
    level: 'apdu',
    details: { reader: 'test', slot: 0 },
    onCardState: () => {},
  };
}

describe('exchangeApdu (native)', () => {
  it('one XfrBlock, its DataBlock is the answer; the maximum exchange time goes with it', async () => {
    const seen: CommandOptions[] = [];
    const answer = await exchangeApdu(
      context(ChainLevel.Complete, seen),
      Uint8Array.of(0, 0xa4, 0, 0),
    );
    expect([...answer]).toEqual([0x90, 0x00]);
    expect(seen).toMatchObject([{ timeoutMs: 5000, maxTimeMs: 63_000 }]);
  });

  it('a chained DataBlock is a protocol error: our reader never chains a response', async () => {
    for (const chain of [ChainLevel.Begins, ChainLevel.Continues, ChainLevel.ContinueResponse]) {
      await expect(
        exchangeApdu(context(chain), Uint8Array.of(0, 0xb0, 0, 0)),
      ).rejects.toMatchObject({ code: 'protocol-error' });
    }
  });
});
