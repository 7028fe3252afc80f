import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from './bytes.ts';
import { decodeMessage, encodeMessage } from './ccid-codec.ts';
import {
  CcidError,
  ChainLevel,
  ClockStatus,
  CommandStatus,
  IccStatus,
  PcToRdr,
  PinEntryValidation,
  PowerSelect,
  ProtocolNum,
  RdrToPc,
} from './ccid-constants.ts';
import { CcidMessageError } from './ccid-message-error.ts';
import type { CcidMessage } from './ccid-messages.ts';
import { arbPcToRdr, arbPinModify, arbRdrToPc } from './testing/ccid-arbitraries.ts';
import {
  PIN_ANSWER_10_3,
  PIN_MODIFY_10_3,
  PIN_VERIFY_10_3,
  STARTUP_TRACE_11_1,
  parseTrace,
  parseTraceBytes,
} from './testing/golden-traces.ts';
import { encodeFrame } from './serial-frame.ts';
import { SerialDecoder } from './serial-decoder.ts';
import { COMPAT_MAX_MESSAGE_LENGTH } from './serial-constants.ts';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const h = parseTraceBytes;

/** Unwraps one frame with the real decoder (so the golden LRCs are checked too). */
function unframe(frame: Uint8Array): Uint8Array {
  const events = new SerialDecoder({ maxMessageLength: COMPAT_MAX_MESSAGE_LENGTH }).push(frame);
  expect(events).toHaveLength(1);
  const e = events[0];
  if (e.kind !== 'frame') throw new Error(`expected a frame, got ${JSON.stringify(e)}`);
  return e.message;
}

function errorCode(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof CcidMessageError) return e.code;
    throw e;
  }
  return undefined;
}

const ok = { iccStatus: IccStatus.PresentActive, commandStatus: CommandStatus.Ok, error: 0 };
const inactive = { ...ok, iccStatus: IccStatus.PresentInactive };

describe('golden vectors: ccid-over-serial.md §11.1 start-up trace', () => {
  const expected: CcidMessage[] = [
    { type: PcToRdr.Escape, slot: 0, seq: 0, data: h('02') },
    { type: RdrToPc.Escape, slot: 0, seq: 0, ...inactive, data: ascii('GemTwin V1.10') },
    { type: PcToRdr.Escape, slot: 0, seq: 1, data: h('01 01 01') },
    { type: RdrToPc.Escape, slot: 0, seq: 1, ...inactive, data: new Uint8Array(0) },
    { type: PcToRdr.GetSlotStatus, slot: 0, seq: 2 },
    { type: RdrToPc.SlotStatus, slot: 0, seq: 2, ...inactive, clockStatus: ClockStatus.Running },
    { type: PcToRdr.Escape, slot: 0, seq: 4, data: h('6A') },
    {
      type: RdrToPc.Escape,
      slot: 0,
      seq: 4,
      iccStatus: IccStatus.PresentInactive,
      commandStatus: CommandStatus.Failed,
      error: CcidError.CmdNotSupported,
      data: new Uint8Array(0),
    },
    { type: PcToRdr.IccPowerOn, slot: 0, seq: 8, powerSelect: PowerSelect.V5 },
    {
      type: RdrToPc.DataBlock,
      slot: 0,
      seq: 8,
      ...ok,
      chainParameter: ChainLevel.Complete,
      data: h('3B 02 14 50'),
    },
    {
      type: PcToRdr.SetParameters,
      slot: 0,
      seq: 0x36,
      parameters: {
        protocol: ProtocolNum.T0,
        fi: 1,
        di: 1,
        inverseConvention: false,
        guardTime: 0,
        waitingInteger: 10,
        clockStop: 0,
      },
    },
    {
      type: RdrToPc.Parameters,
      slot: 0,
      seq: 0x36,
      ...ok,
      protocolNum: ProtocolNum.T0,
      parameters: {
        protocol: ProtocolNum.T0,
        fi: 1,
        di: 1,
        inverseConvention: false,
        guardTime: 0,
        waitingInteger: 10,
        clockStop: 0,
      },
    },
    {
      type: PcToRdr.XfrBlock,
      slot: 0,
      seq: 0x37,
      bwi: 0,
      levelParameter: ChainLevel.Complete,
      data: h('00 A4 04 00 02 3F 00'),
    },
    {
      type: RdrToPc.DataBlock,
      slot: 0,
      seq: 0x37,
      ...ok,
      chainParameter: 0,
      data: h('90 00'),
    },
  ];
  const lines = parseTrace(STARTUP_TRACE_11_1);

  it('has the 14 frames of the reference', () => {
    expect(lines).toHaveLength(expected.length);
  });

  lines.forEach((line, i) => {
    it(`frame ${i + 1} (${line.from}) decodes to the expected message and re-encodes byte for byte`, () => {
      const message = decodeMessage(
        unframe(line.bytes),
        line.from === 'H' ? 'pc-to-rdr' : 'rdr-to-pc',
      );
      expect(message).toEqual(expected[i]);
      expect(toHex(encodeFrame(encodeMessage(message)))).toBe(toHex(line.bytes));
    });
  });
});

describe('golden vectors: ccid-over-serial.md §10.3 PIN frames', () => {
  const format = { units: 'bytes', position: 0, justification: 'left', format: 'ascii' } as const;
  const common = {
    timeOut: 30,
    formatString: format,
    pinBlockString: { lengthFieldBits: 0, blockSize: 0 },
    // 0x47: b4 = 0 (bits), position 7, and RFU bits b7..b5 = 010 as the test client sent them
    pinLengthFormat: { units: 'bits', position: 7, rfu: 2 } as const,
    pinDigits: { min: 4, max: 8 },
    entryValidationCondition: PinEntryValidation.ValidationKey,
    langId: 0x0409,
    teoPrologue: [0, 0, 0] as const,
  };

  it('verify: 69 1C … decodes field by field and re-encodes', () => {
    const frame = h(PIN_VERIFY_10_3);
    const m = decodeMessage(unframe(frame), 'pc-to-rdr');
    expect(m).toEqual({
      type: PcToRdr.Secure,
      slot: 0,
      seq: 0x44,
      bwi: 0,
      levelParameter: 0,
      payload: {
        kind: 'verify',
        structure: {
          ...common,
          numberMessage: 1,
          msgIndex: 0,
          apdu: h('00 20 00 01 08 FF*8'),
        },
      },
    });
    expect(toHex(encodeFrame(encodeMessage(m)))).toBe(toHex(frame));
  });

  it('modify: 69 29 … decodes field by field (all three message indexes) and re-encodes', () => {
    const frame = h(PIN_MODIFY_10_3);
    const m = decodeMessage(unframe(frame), 'pc-to-rdr');
    expect(m).toEqual({
      type: PcToRdr.Secure,
      slot: 0,
      seq: 0x45,
      bwi: 0,
      levelParameter: 0,
      payload: {
        kind: 'modify',
        structure: {
          ...common,
          insertionOffsetOld: 0,
          insertionOffsetNew: 8,
          confirmPin: 3,
          numberMessage: 3,
          msgIndex1: 0,
          msgIndex2: 1,
          msgIndex3: 2,
          apdu: h('00 24 00 01 10 FF*16'),
        },
      },
    });
    expect(toHex(encodeFrame(encodeMessage(m)))).toBe(toHex(frame));
    // bNumberMessage = 3: libccid's other rule reads the same frame the same way
    expect(
      decodeMessage(unframe(frame), 'pc-to-rdr', { msgIndexRule: 'by-number-message' }),
    ).toEqual(m);
  });

  it('the answer: DataBlock 90 00', () => {
    const frame = h(PIN_ANSWER_10_3);
    const m = decodeMessage(unframe(frame), 'rdr-to-pc');
    expect(m).toEqual({
      type: RdrToPc.DataBlock,
      slot: 0,
      seq: 0x44,
      ...ok,
      chainParameter: 0,
      data: h('90 00'),
    });
    expect(toHex(encodeFrame(encodeMessage(m)))).toBe(toHex(frame));
  });

  it('the message-index rule decides how a modify with bNumberMessage 1 is read', () => {
    const frame = h(PIN_MODIFY_10_3);
    const msg = unframe(frame);
    msg[10 + 11] = 1; // bNumberMessage = 1, bytes unchanged: libccid's GemPC Pinpad form
    const all = decodeMessage(msg, 'pc-to-rdr');
    const byNumber = decodeMessage(msg, 'pc-to-rdr', { msgIndexRule: 'by-number-message' });
    if (all.type !== PcToRdr.Secure || all.payload.kind !== 'modify') throw new Error('modify');
    if (byNumber.type !== PcToRdr.Secure || byNumber.payload.kind !== 'modify')
      throw new Error('modify');
    expect([all.payload.structure.msgIndex2, all.payload.structure.msgIndex3]).toEqual([1, 2]);
    expect(byNumber.payload.structure.msgIndex3).toBeUndefined();
    expect(byNumber.payload.structure.teoPrologue).toEqual([2, 0, 0]);
  });
});

describe('decodeMessage: typed errors', () => {
  const status = h('65 00 00 00 00 00 02 00 00 00');

  it('rejects an unknown type for the direction', () => {
    expect(errorCode(() => decodeMessage(status, 'rdr-to-pc'))).toBe('unknown-type');
    expect(errorCode(() => decodeMessage(h('99 00 00 00 00 00 00 00 00 00'), 'pc-to-rdr'))).toBe(
      'unknown-type',
    );
    expect(errorCode(() => decodeMessage(h('80 00 00 00 00 00 00 00 00 00'), 'pc-to-rdr'))).toBe(
      'unknown-type',
    );
  });

  it('rejects a short message and a dwLength that disagrees with the bytes', () => {
    expect(errorCode(() => decodeMessage(new Uint8Array(0), 'pc-to-rdr'))).toBe('short-message');
    expect(errorCode(() => decodeMessage(status.subarray(0, 9), 'pc-to-rdr'))).toBe(
      'short-message',
    );
    const xfr = h('6F 03 00 00 00 00 01 00 00 00 00 A4');
    expect(errorCode(() => decodeMessage(xfr, 'pc-to-rdr'))).toBe('length-mismatch');
    const long = h('6F 01 00 00 00 00 01 00 00 00 00 A4');
    expect(errorCode(() => decodeMessage(long, 'pc-to-rdr'))).toBe('length-mismatch');
  });

  it('rejects a dwLength the type does not allow', () => {
    const withData = h('65 01 00 00 00 00 02 00 00 00 00');
    expect(errorCode(() => decodeMessage(withData, 'pc-to-rdr'))).toBe('bad-dwlength');
    const t0Short = h('61 04 00 00 00 00 02 00 00 00 11 00 00 0A');
    expect(errorCode(() => decodeMessage(t0Short, 'pc-to-rdr'))).toBe('bad-dwlength');
    const rate = h('73 04 00 00 00 00 02 00 00 00 A0 0F 00 00');
    expect(errorCode(() => decodeMessage(rate, 'pc-to-rdr'))).toBe('bad-dwlength');
    const verifyShort = h('69 05 00 00 00 00 02 00 00 00 00 1E 82 00 47');
    expect(errorCode(() => decodeMessage(verifyShort, 'pc-to-rdr'))).toBe('bad-dwlength');
  });

  it('rejects bad fields with the offset a CCID bError would carry', () => {
    const cases: [string, 'pc-to-rdr' | 'rdr-to-pc', number][] = [
      ['62 00 00 00 00 00 08 04 00 00', 'pc-to-rdr', 7], // bPowerSelect 4
      ['61 05 00 00 00 00 36 00 00 00 11 01 00 0A 00', 'pc-to-rdr', 11], // bmTCCKST0 01
      ['61 05 00 00 00 00 36 00 00 00 11 00 00 0A 04', 'pc-to-rdr', 14], // bClockStop 4
      ['61 07 00 00 00 00 36 01 00 00 11 00 00 4D 00 20 00', 'pc-to-rdr', 11], // bmTCCKST1 00
      ['61 05 00 00 00 00 36 02 00 00 11 00 00 0A 00', 'pc-to-rdr', 9], // bProtocolNum 2
      ['71 00 00 00 00 00 01 06 00 00', 'pc-to-rdr', 7], // bFunction 6
      ['81 00 00 00 00 00 01 04 00 00', 'rdr-to-pc', 7], // bStatus RFU bit
      ['81 00 00 00 00 00 01 03 00 00', 'rdr-to-pc', 7], // bmICCStatus 3
      ['81 00 00 00 00 00 01 C0 00 00', 'rdr-to-pc', 7], // bmCommandStatus 3
      ['81 00 00 00 00 00 01 00 00 04', 'rdr-to-pc', 9], // bClockStatus 4
    ];
    for (const [hexText, direction, offset] of cases) {
      try {
        decodeMessage(h(hexText), direction);
        expect.unreachable(hexText);
      } catch (e) {
        expect(e, hexText).toBeInstanceOf(CcidMessageError);
        expect((e as CcidMessageError).code, hexText).toBe('bad-field');
        expect((e as CcidMessageError).offset, hexText).toBe(offset);
      }
    }
  });

  it('decodes the interrupt messages and rejects their bad lengths', () => {
    expect(decodeMessage(h('50 03'), 'rdr-to-pc')).toEqual({
      type: RdrToPc.NotifySlotChange,
      slots: [
        { present: true, changed: true },
        { present: false, changed: false },
        { present: false, changed: false },
        { present: false, changed: false },
      ],
    });
    expect(decodeMessage(h('51 00 07 01'), 'rdr-to-pc')).toEqual({
      type: RdrToPc.HardwareError,
      slot: 0,
      seq: 7,
      code: 1,
    });
    expect(errorCode(() => decodeMessage(h('50'), 'rdr-to-pc'))).toBe('short-message');
    expect(errorCode(() => decodeMessage(h('51 00 07'), 'rdr-to-pc'))).toBe('short-message');
    expect(errorCode(() => decodeMessage(h('51 00 07 01 00'), 'rdr-to-pc'))).toBe(
      'length-mismatch',
    );
  });

  it('never throws anything but CcidMessageError on random bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.constantFrom('pc-to-rdr', 'rdr-to-pc') as fc.Arbitrary<'pc-to-rdr' | 'rdr-to-pc'>,
        (bytes, direction) => {
          try {
            decodeMessage(bytes, direction);
          } catch (e) {
            expect(e).toBeInstanceOf(CcidMessageError);
          }
        },
      ),
      { seed: 11, numRuns: 3000 },
    );
  });
});

describe('encode → decode round trip (property)', () => {
  it('every PC_to_RDR message type', () => {
    const seen = new Set<number>();
    fc.assert(
      fc.property(arbPcToRdr, (m) => {
        seen.add(m.type);
        const bytes = encodeMessage(m);
        expect(decodeMessage(bytes, 'pc-to-rdr')).toEqual(m);
      }),
      { seed: 1, numRuns: 3000 },
    );
    expect(seen.size).toBe(14);
  });

  it('PIN modification structures under the by-number-message rule', () => {
    fc.assert(
      fc.property(arbPinModify, fc.constantFrom(0, 1, 2, 3, 0xff), (s, numberMessage) => {
        const { msgIndex2, msgIndex3, ...rest } = s;
        const structure = {
          ...rest,
          numberMessage,
          ...(numberMessage !== 0 ? { msgIndex2 } : {}),
          ...(numberMessage >= 3 ? { msgIndex3 } : {}),
        };
        const m = {
          type: PcToRdr.Secure,
          slot: 0,
          seq: 1,
          bwi: 0,
          levelParameter: 0,
          payload: { kind: 'modify', structure },
        } as const;
        const bytes = encodeMessage(m);
        expect(bytes.length).toBe(
          10 +
            1 +
            17 +
            (numberMessage !== 0 ? 1 : 0) +
            (numberMessage >= 3 ? 1 : 0) +
            s.apdu.length,
        );
        expect(decodeMessage(bytes, 'pc-to-rdr', { msgIndexRule: 'by-number-message' })).toEqual(m);
      }),
      { seed: 9, numRuns: 500 },
    );
  });

  it('every RDR_to_PC message type', () => {
    const seen = new Set<number>();
    fc.assert(
      fc.property(arbRdrToPc, (m) => {
        seen.add(m.type);
        const bytes = encodeMessage(m);
        expect(decodeMessage(bytes, 'rdr-to-pc')).toEqual(m);
      }),
      { seed: 2, numRuns: 3000 },
    );
    expect(seen.size).toBe(7);
  });
});

describe('encodeMessage: typed errors for values that do not fit', () => {
  it('rejects out-of-range fields', () => {
    expect(() => encodeMessage({ type: PcToRdr.GetSlotStatus, slot: 256, seq: 0 })).toThrow(/slot/);
    expect(() =>
      encodeMessage({ type: PcToRdr.IccPowerOn, slot: 0, seq: 0, powerSelect: 7 as PowerSelect }),
    ).toThrow(/powerSelect/);
    expect(() =>
      encodeMessage({
        type: RdrToPc.SlotStatus,
        slot: 0,
        seq: 0,
        iccStatus: IccStatus.NoIcc,
        commandStatus: 0x20 as CommandStatus,
        error: 0,
        clockStatus: ClockStatus.Running,
      }),
    ).toThrow(/commandStatus/);
    expect(() =>
      encodeMessage({
        type: PcToRdr.Secure,
        slot: 0,
        seq: 0,
        bwi: 0,
        levelParameter: ChainLevel.Complete,
        payload: { kind: 'continuation', data: new Uint8Array(2) },
      }),
    ).toThrow(/levelParameter/);
  });
});
