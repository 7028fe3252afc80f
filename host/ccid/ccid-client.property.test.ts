// Property: whatever the mix of commands, slots, card delays and time extensions, every call gets
// the answer to its own command, commands to one slot reach the reader in call order and never
// overlap (no CMD_SLOT_BUSY), and nothing is left pending.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandStatus, PcToRdr } from '../../protocol/ccid-constants.ts';
import { NATIVE_MAX_MESSAGE_LENGTH } from '../../protocol/serial-constants.ts';
import { Profile } from '../../protocol/native-constants.ts';
import { CcidClient } from './ccid-client.ts';
import { FrameChannel } from './frame-channel.ts';
import { fakeTransport } from './testing/fake-link.ts';
import { virtualTime } from './testing/virtual-time.ts';

const ATR = Uint8Array.of(0x3b, 0x02, 0x14, 0x50);

describe('CcidClient (property)', () => {
  it('answers each call with its own answer and keeps per-slot order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.array(fc.integer({ min: 0, max: 2500 }), { minLength: 3, maxLength: 3 }),
        async (calls, delays) => {
          const vt = virtualTime();
          const fake = fakeTransport({ clock: vt.clock, timeExtensionMs: 700 });
          fake.reader.profile = Profile.Native;
          for (let s = 0; s < 3; s++) {
            fake.reader.insert(s, {
              atr: ATR,
              delayMs: delays[s],
              respond: (c) => Uint8Array.of(s, c[1], 0x90, 0x00),
            });
          }
          let client!: CcidClient;
          const channel = await FrameChannel.open(fake.transport, {
            message: (m) => client.message(m),
            nak: () => client.nak(),
            timeRequest: () => client.timeRequest(),
            activity: () => client.activity(),
            closed: () => client.close(),
          });
          client = new CcidClient({
            sink: channel,
            clock: vt.clock,
            path: 'fake',
            mode: 'native',
            maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH,
            events: { slotChange: () => {}, unresponsive: () => {} },
          });
          for (let s = 0; s < 3; s++) {
            await vt.settle(client.command({ type: PcToRdr.IccPowerOn, slot: s, powerSelect: 0 }));
          }
          fake.reader.received.length = 0;
          const answers = await vt.settle(
            Promise.all(
              calls.map(([slot, ins]) =>
                client.command(
                  {
                    type: PcToRdr.XfrBlock,
                    slot,
                    bwi: 0,
                    levelParameter: 0,
                    data: Uint8Array.of(0, ins, 0, 0),
                  },
                  { timeoutMs: 1000 },
                ),
              ),
            ),
          );
          answers.forEach((a, i) => {
            expect(a.commandStatus).toBe(CommandStatus.Ok);
            expect(a.slot).toBe(calls[i][0]);
            expect('data' in a && [...a.data]).toEqual([calls[i][0], calls[i][1], 0x90, 0]);
          });
          for (let s = 0; s < 3; s++) {
            const sent = fake.reader.received.filter((r) => r.slot === s).map((r) => r.data![1]);
            expect(sent).toEqual(calls.filter(([slot]) => slot === s).map(([, ins]) => ins));
          }
          expect(client.idle).toBe(true);
          await channel.close();
        },
      ),
      { numRuns: 40, seed: 5 },
    );
  });
});
