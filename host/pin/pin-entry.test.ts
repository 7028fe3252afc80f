// verifyPin / changePin against a scripted SecureChannel: what is sent, and every answer's
// outcome.
import { describe, expect, it } from 'vitest';
import { CcidError } from '../../protocol/ccid-constants.ts';
import { encodeSecurePayload, type SecurePayload } from '../../protocol/pin-structures.ts';
import { CardError } from '../cards/card-error.ts';
import { CommandFailedError, NoCardError } from '../ccid/errors.ts';
import { PinError, PinStatusWord } from './pin-codes.ts';
import { changePin, verifyPin } from './pin-entry.ts';
import type { SecureChannel } from './secure-channel.ts';

function channel(answer: () => Uint8Array | Error) {
  const sent: SecurePayload[] = [];
  const slot: SecureChannel = {
    async secure(payload) {
      sent.push(payload);
      const a = answer();
      if (a instanceof Error) throw a;
      return a;
    },
  };
  return { slot, sent };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
const failed = (bError: number) =>
  new CommandFailedError(`the reader reports ${bError}`, { bError, slot: 0 });

describe('verifyPin and changePin', () => {
  it('send the social security card templates of PROTOCOL.md §4a', async () => {
    const c = channel(() => Uint8Array.of(0x90, 0x00));
    await verifyPin({ slot: c.slot });
    await changePin({ slot: c.slot, language: 'en', timeoutSeconds: 20 });
    expect(hex(encodeSecurePayload(c.sent[0]))).toBe(
      '00008100001004020104080000000000200000' + '00',
    );
    expect(hex(encodeSecurePayload(c.sent[1]))).toBe(
      '01148100000001100403020309040301020000' + '00805E010001FF',
    );
  });

  it.each([
    [[0x90, 0x00], { outcome: 'ok' }],
    [[0x63, 0xc2], { outcome: 'wrong-pin', triesLeft: 2 }],
    [[0x63, 0xc1], { outcome: 'wrong-pin', triesLeft: 1 }],
    [[0x63, 0xc0], { outcome: 'blocked' }],
    [[0x69, 0x83], { outcome: 'blocked' }],
    [[0x64, 0x00], { outcome: 'timeout' }],
    [[0x64, 0x01], { outcome: 'cancelled' }],
    [[0x64, 0x03], { outcome: 'invalid-length' }],
  ])('card or part 10 answer %j → %j', async (sw, outcome) => {
    expect(await verifyPin({ slot: channel(() => Uint8Array.from(sw)).slot })).toEqual(outcome);
  });

  it.each([
    [CcidError.PinTimeout, { outcome: 'timeout' }],
    [CcidError.PinCancelled, { outcome: 'cancelled' }],
    [PinError.LENGTH, { outcome: 'invalid-length' }],
    [PinError.MISMATCH, { outcome: 'mismatch' }],
  ])('reader bError %i → %j', async (bError, outcome) => {
    expect(await changePin({ slot: channel(() => failed(bError)).slot })).toEqual(outcome);
  });

  it('64 02 is a change outcome only; other status words and reader errors are thrown, typed', async () => {
    expect(await changePin({ slot: channel(() => Uint8Array.of(0x64, 0x02)).slot })).toEqual({
      outcome: 'mismatch',
    });
    await expect(
      verifyPin({ slot: channel(() => Uint8Array.of(0x64, 0x02)).slot }),
    ).rejects.toThrow(CardError);
    const noPin = verifyPin({ slot: channel(() => Uint8Array.of(0x6a, 0x88)).slot });
    await expect(noPin).rejects.toMatchObject({ code: -27272, details: { sw: 0x6a88 } });
    await expect(verifyPin({ slot: channel(() => Uint8Array.of(0x90)).slot })).rejects.toThrow(
      CardError,
    );
    const refused = failed(26); // the reader refused the template at offset 26
    await expect(verifyPin({ slot: channel(() => refused).slot })).rejects.toBe(refused);
    const gone = new NoCardError('no card', { slot: 0 });
    await expect(verifyPin({ slot: channel(() => gone).slot })).rejects.toBe(gone);
  });

  it('check their arguments', async () => {
    await expect(verifyPin({ slot: {} as SecureChannel })).rejects.toThrow(TypeError);
    const c = channel(() => Uint8Array.of(0x90, 0x00));
    await expect(verifyPin({ slot: c.slot, timeoutSeconds: 300 })).rejects.toThrow(RangeError);
    await expect(
      verifyPin({ slot: c.slot, application: 'bank' as unknown as 'ssc' }),
    ).rejects.toThrow(RangeError);
    expect(c.sent).toEqual([]);
  });
});
