import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CardError } from './card-error.ts';
import { ScriptChannel } from './testing/script-channel.ts';
import { command, transceive } from './transceive.ts';
import type { CardChannel } from './channel.ts';

const READ = { cla: 0, ins: 0xb2, p1: 1, p2: 0x2d, ne: 0x40 };

describe('transceive', () => {
  it('follows 61xx with GET RESPONSE and joins the parts', async () => {
    const ch = new ScriptChannel('3B00', [
      { command: '0088000010' + '00'.repeat(16) + '08', answer: '6108' },
      { command: '00C0000008', answer: '0102030405060708' + '6102' },
      { command: '00C0000002', answer: '0A0B9000' },
    ]);
    const r = await transceive(ch, {
      cla: 0,
      ins: 0x88,
      p1: 0,
      p2: 0,
      data: new Uint8Array(16),
      ne: 8,
    });
    expect(r.sw).toBe(0x9000);
    expect(Array.from(r.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x0b]);
  });
  it('re-sends once with the Le of 6Cxx', async () => {
    const ch = new ScriptChannel('3B00', [
      { command: '00B2012D40', answer: '6C45' },
      { command: '00B2012D45', answer: '01019000' },
    ]);
    expect((await transceive(ch, READ)).data).toEqual(Uint8Array.of(1, 1));
  });
  it('gives up on a card that answers 61xx forever, with a typed error', async () => {
    const ch: CardChannel = {
      atr: new Uint8Array(0),
      transmit: async () => Uint8Array.of(0x61, 0x01),
    };
    const err = await transceive(ch, READ).catch((e) => e);
    expect(err).toBeInstanceOf(CardError);
    expect(err.code).toBe(-4);
  });
  it('turns answers without a status word and transport failures into CardError', async () => {
    const short: CardChannel = {
      atr: new Uint8Array(0),
      transmit: async () => Uint8Array.of(0x90),
    };
    expect((await transceive(short, READ).catch((e) => e)).code).toBe(-4);
    const removed = Object.assign(new Error('card removed'), { nationalCode: -2 });
    const gone: CardChannel = {
      atr: new Uint8Array(0),
      transmit: async () => Promise.reject(removed),
    };
    const err = await transceive(gone, READ).catch((e) => e);
    expect(err).toMatchObject({ code: -2, message: 'card removed' });
    expect(err.cause).toBe(removed);
  });
  it('command() maps a status word to −SW and keeps 62xx data', async () => {
    const ch = new ScriptChannel('3B00', [
      { command: '00B2012D40', answer: '6A82' },
      { command: '00B2012D40', answer: '01016282' },
    ]);
    const err = await command(ch, READ, { label: 'READ RECORD EF05' }).catch((e) => e);
    expect(err).toMatchObject({
      code: -27266,
      message: 'READ RECORD EF05: card answered 6A82 (file not found)',
    });
    expect(await command(ch, READ)).toEqual(Uint8Array.of(1, 1));
  });
  it('never throws anything but CardError, whatever the card answers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 8 }), { minLength: 1, maxLength: 70 }),
        async (answers) => {
          let i = 0;
          const ch: CardChannel = {
            atr: new Uint8Array(0),
            transmit: async () => answers[Math.min(i++, answers.length - 1)],
          };
          try {
            await command(ch, READ);
          } catch (e) {
            expect(e).toBeInstanceOf(CardError);
          }
          expect(i).toBeLessThanOrEqual(66);
        },
      ),
    );
  });
});
