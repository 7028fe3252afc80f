// The driver's receiving side against a reader that misbehaves: the frame channel (serial framing,
// CCID decoding) and the CCID client, fed by a fake reader that answers each command from a
// random script — the right answer, one with another bSeq, another slot or another type, two
// answers, time extensions, a NAK, silence, random bytes, frames that do not decode, unsolicited
// answers, `50 xx` and time-request bytes in between. Whatever it does, every call ends, within
// its timeout stretched by the time extensions it got, with an answer to that very command (its
// bSeq and slot) or a typed ReaderError; nothing escapes as an exception; the client ends idle.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../../protocol/ccid-codec.ts';
import { CommandStatus, PcToRdr, RdrToPc } from '../../protocol/ccid-constants.ts';
import type { PcToRdrMessage, RdrToPcMessage } from '../../protocol/ccid-messages.ts';
import { SerialDecoder } from '../../protocol/serial-decoder.ts';
import { NATIVE_MAX_MESSAGE_LENGTH } from '../../protocol/serial-constants.ts';
import { encodeFrame, encodeNak } from '../../protocol/serial-frame.ts';
import { decodeMessage } from '../../protocol/ccid-codec.ts';
import { duplexPair } from '../transport/duplex-pair.ts';
import { streamTransport } from '../transport/stream-transport.ts';
import { CcidClient, type ClientMode } from './ccid-client.ts';
import { isReaderError } from './errors.ts';
import { FrameChannel } from './frame-channel.ts';
import { virtualTime } from './testing/virtual-time.ts';

type Move =
  | 'answer'
  | 'other-seq'
  | 'other-slot'
  | 'other-type'
  | 'twice'
  | 'time-extension'
  | 'nak'
  | 'silent'
  | 'noise'
  | 'undecodable'
  | 'unsolicited'
  | 'slot-change'
  | 'time-request';

const MOVES: Move[] = [
  'answer',
  'answer',
  'answer',
  'other-seq',
  'other-slot',
  'other-type',
  'twice',
  'time-extension',
  'nak',
  'silent',
  'noise',
  'undecodable',
  'unsolicited',
  'slot-change',
  'time-request',
];

const ANSWER: Partial<Record<PcToRdr, RdrToPc>> = {
  [PcToRdr.IccPowerOn]: RdrToPc.DataBlock,
  [PcToRdr.XfrBlock]: RdrToPc.DataBlock,
  [PcToRdr.IccPowerOff]: RdrToPc.SlotStatus,
  [PcToRdr.GetSlotStatus]: RdrToPc.SlotStatus,
  [PcToRdr.Abort]: RdrToPc.SlotStatus,
  [PcToRdr.GetParameters]: RdrToPc.Parameters,
  [PcToRdr.Escape]: RdrToPc.Escape,
};

function answerTo(c: PcToRdrMessage, type: RdrToPc, status: number, data: Uint8Array): Uint8Array {
  const head = { slot: c.slot, seq: c.seq, iccStatus: 0, commandStatus: status, error: 0 };
  let m: RdrToPcMessage;
  switch (type) {
    case RdrToPc.DataBlock:
      m = { type, ...head, chainParameter: 0, data };
      break;
    case RdrToPc.Escape:
      m = { type, ...head, data };
      break;
    case RdrToPc.Parameters:
      m = { type, ...head, protocolNum: 0, parameters: undefined };
      break;
    default:
      m = { type: RdrToPc.SlotStatus, ...head, clockStatus: 0 };
  }
  return encodeMessage(m);
}

/** A reader on the device end of a duplex pair that answers from `script`, then properly. */
function fakeReader(
  device: import('node:stream').Duplex,
  script: { move: Move; n: number }[],
  noise: Uint8Array,
  mode: ClientMode,
): { sent: Map<number, number> } {
  const decoder = new SerialDecoder({ maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH });
  let step = 0;
  const sent = new Map<number, number>();
  const write = (bytes: Uint8Array) => void device.write(bytes);
  const frame = (message: Uint8Array) => write(encodeFrame(message));
  device.on('data', (chunk: Buffer) => {
    for (const e of decoder.push(new Uint8Array(chunk))) {
      if (e.kind !== 'frame') continue;
      let c: PcToRdrMessage;
      try {
        c = decodeMessage(e.message, 'pc-to-rdr');
      } catch {
        continue;
      }
      if (mode === 'compat') frame(e.message); // the echo
      const type = ANSWER[c.type] ?? RdrToPc.SlotStatus;
      const data = noise.subarray(0, step % (noise.length + 1));
      const right = () => {
        sent.set(c.seq, (sent.get(c.seq) ?? 0) + 1);
        frame(answerTo(c, type, CommandStatus.Ok, data));
      };
      const { move, n } = script[step++] ?? { move: 'answer' as Move, n: 0 };
      switch (move) {
        case 'answer':
          right();
          break;
        case 'other-seq':
          frame(answerTo({ ...c, seq: (c.seq + 1 + n) & 0xff }, type, CommandStatus.Ok, data));
          break;
        case 'other-slot':
          frame(answerTo({ ...c, slot: (c.slot + 1 + n) & 0xff }, type, CommandStatus.Ok, data));
          break;
        case 'other-type':
          frame(
            answerTo(c, type === RdrToPc.DataBlock ? RdrToPc.Escape : RdrToPc.DataBlock, 0, data),
          );
          break;
        case 'twice':
          right();
          right();
          break;
        case 'time-extension':
          frame(answerTo(c, type, CommandStatus.TimeExtension, new Uint8Array()));
          right();
          break;
        case 'nak':
          write(encodeNak());
          break;
        case 'silent':
          break;
        case 'noise':
          write(noise);
          right();
          break;
        case 'undecodable': {
          const m = answerTo(c, type, CommandStatus.Ok, data);
          m[0] = 0x90 + (n % 16); // no such message type
          frame(m);
          break;
        }
        case 'unsolicited':
          frame(answerTo({ ...c, seq: n & 0xff, slot: n % 3 }, RdrToPc.SlotStatus, 0, data));
          right();
          break;
        case 'slot-change':
          write(Uint8Array.of(0x50, n & 0xff));
          right();
          break;
        case 'time-request':
          write(Uint8Array.of(0x80 | (n & 0x7f)));
          right();
          break;
      }
    }
  });
  return { sent };
}

const arbCommand = fc.record({
  type: fc.constantFrom(
    PcToRdr.IccPowerOn,
    PcToRdr.XfrBlock,
    PcToRdr.GetSlotStatus,
    PcToRdr.IccPowerOff,
    PcToRdr.GetParameters,
    PcToRdr.Escape,
  ),
  slot: fc.integer({ min: 0, max: 2 }),
  data: fc.uint8Array({ maxLength: 20 }),
});

function commandOf(c: { type: PcToRdr; slot: number; data: Uint8Array }) {
  switch (c.type) {
    case PcToRdr.IccPowerOn:
      return { type: c.type, slot: c.slot, powerSelect: 0 } as const;
    case PcToRdr.XfrBlock:
      return { type: c.type, slot: c.slot, bwi: 0, levelParameter: 0, data: c.data } as const;
    case PcToRdr.Escape:
      return { type: c.type, slot: c.slot, data: c.data } as const;
    default:
      return { type: c.type, slot: c.slot } as { type: PcToRdr.GetSlotStatus; slot: number };
  }
}

describe('the CCID client and frame channel against a misbehaving reader (fuzz)', () => {
  it('every call ends with its own answer or a typed error, in bounded time', async () => {
    const outcome = { answers: 0, errors: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<ClientMode>('native', 'compat'),
        fc.array(fc.record({ move: fc.constantFrom(...MOVES), n: fc.nat(255) }), {
          maxLength: 16,
        }),
        fc.uint8Array({ minLength: 1, maxLength: 30 }),
        fc.array(arbCommand, { minLength: 1, maxLength: 8 }),
        async (mode, script, noise, commands) => {
          const vt = virtualTime();
          let device!: import('node:stream').Duplex;
          const transport = streamTransport('fuzz:reader', () => {
            const [host, dev] = duplexPair();
            device = dev;
            return host;
          });
          let client!: CcidClient;
          const channel = await FrameChannel.open(transport, {
            message: (m) => client.message(m),
            nak: () => client.nak(),
            timeRequest: () => client.timeRequest(),
            activity: () => client.activity(),
            closed: () => client.close(),
          });
          fakeReader(device, script, noise, mode);
          client = new CcidClient({
            sink: channel,
            clock: vt.clock,
            path: 'fuzz',
            mode,
            maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH,
            events: { slotChange: () => {}, unresponsive: () => {} },
          });
          const calls = commands.map((c) => {
            const command = commandOf(c);
            const start = vt.now();
            return client.command(command, { timeoutMs: 1000 }).then(
              (answer) => ({ command, answer, ms: vt.now() - start }),
              (error: unknown) => ({ command, error, ms: vt.now() - start }),
            );
          });
          // Each call gets at most 1 s, three times over (one NAK resend, an Abort) per time
          // extension the script holds: bounded however the reader behaves.
          const results = await vt.settle(Promise.all(calls), 60_000);
          for (const r of results) {
            if ('error' in r) {
              outcome.errors++;
              expect(isReaderError(r.error), String(r.error)).toBe(true);
            } else {
              outcome.answers++;
              expect(r.answer.slot).toBe(r.command.slot);
              expect(r.answer.type).toBe(ANSWER[r.command.type]);
            }
          }
          await channel.close();
          expect(client.idle).toBe(true);
        },
      ),
      { seed: 0xcc11, numRuns: 300 },
    );
    expect(outcome.answers).toBeGreaterThan(200);
    expect(outcome.errors).toBeGreaterThan(50);
  }, 300_000);
});
