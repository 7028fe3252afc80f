// fast-check arbitraries for every CCID message, with every field random within its wire range.
// Test support only (tests of protocol/, and of firmware or host code that wants random traffic).

import fc from 'fast-check';
import { ChainLevel, PcToRdr, ProtocolNum, RdrToPc } from '../ccid-constants.ts';
import type { PcToRdrMessage, RdrToPcMessage } from '../ccid-messages.ts';
import type { ProtocolParameters } from '../ccid-parameters.ts';
import type { PinModifyStructure, PinVerifyStructure, SecurePayload } from '../pin-structures.ts';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const nibble = fc.integer({ min: 0, max: 15 });
const bytes = (maxLength = 64, minLength = 0) => fc.uint8Array({ minLength, maxLength });
const addressed = { slot: u8, seq: u8 };

export const arbProtocolParameters: fc.Arbitrary<ProtocolParameters> = fc.oneof(
  fc.record({
    protocol: fc.constant(ProtocolNum.T0 as const),
    fi: nibble,
    di: nibble,
    inverseConvention: fc.boolean(),
    guardTime: u8,
    waitingInteger: u8,
    clockStop: fc.constantFrom(0, 1, 2, 3 as const),
  }),
  fc.record({
    protocol: fc.constant(ProtocolNum.T1 as const),
    fi: nibble,
    di: nibble,
    crc: fc.boolean(),
    inverseConvention: fc.boolean(),
    guardTime: u8,
    bwi: nibble,
    cwi: nibble,
    clockStop: fc.constantFrom(0, 1, 2, 3 as const),
    ifsc: u8,
    nad: u8,
  }),
) as fc.Arbitrary<ProtocolParameters>;

const pinCommon = {
  timeOut: u8,
  formatString: fc.record({
    units: fc.constantFrom('bits', 'bytes' as const),
    position: nibble,
    justification: fc.constantFrom('left', 'right' as const),
    format: fc.constantFrom('binary', 'bcd', 'ascii', 'rfu' as const),
  }),
  pinBlockString: fc.record({ lengthFieldBits: nibble, blockSize: nibble }),
  pinLengthFormat: fc.record({
    units: fc.constantFrom('bits', 'bytes' as const),
    position: nibble,
    rfu: fc.integer({ min: 0, max: 7 }),
  }),
  pinDigits: fc.record({ min: u8, max: u8 }),
  entryValidationCondition: u8,
  numberMessage: u8,
  langId: u16,
  teoPrologue: fc.tuple(u8, u8, u8),
  apdu: bytes(40, 4),
};

export const arbPinVerify: fc.Arbitrary<PinVerifyStructure> = fc.record({
  ...pinCommon,
  msgIndex: u8,
});

/** Modification structures with all three message indexes (the default decoding rule). */
export const arbPinModify: fc.Arbitrary<PinModifyStructure> = fc.record({
  ...pinCommon,
  insertionOffsetOld: u8,
  insertionOffsetNew: u8,
  confirmPin: u8,
  msgIndex1: u8,
  msgIndex2: u8,
  msgIndex3: u8,
});

const secureBody: fc.Arbitrary<{ levelParameter: number; payload: SecurePayload }> = fc.oneof(
  fc.record({
    levelParameter: fc.constant(ChainLevel.Complete),
    payload: fc.record({ kind: fc.constant('verify' as const), structure: arbPinVerify }),
  }),
  fc.record({
    levelParameter: fc.constant(ChainLevel.Complete),
    payload: fc.record({ kind: fc.constant('modify' as const), structure: arbPinModify }),
  }),
  fc.record({
    levelParameter: fc.constantFrom(ChainLevel.Complete, ChainLevel.Begins),
    payload: fc.record({
      kind: fc.constant('operation' as const),
      operation: fc.integer({ min: 2, max: 0xff }),
      data: bytes(),
    }),
  }),
  fc.record({
    levelParameter: fc.constantFrom(
      ChainLevel.Ends,
      ChainLevel.Continues,
      ChainLevel.ContinueResponse,
    ),
    payload: fc.record({ kind: fc.constant('continuation' as const), data: bytes() }),
  }),
);

export const arbPcToRdr: fc.Arbitrary<PcToRdrMessage> = fc.oneof(
  fc.record({
    type: fc.constant(PcToRdr.IccPowerOn as const),
    ...addressed,
    powerSelect: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({ type: fc.constant(PcToRdr.IccPowerOff as const), ...addressed }),
  fc.record({ type: fc.constant(PcToRdr.GetSlotStatus as const), ...addressed }),
  fc.record({
    type: fc.constant(PcToRdr.XfrBlock as const),
    ...addressed,
    bwi: u8,
    levelParameter: u16,
    data: bytes(300),
  }),
  fc.record({ type: fc.constant(PcToRdr.GetParameters as const), ...addressed }),
  fc.record({ type: fc.constant(PcToRdr.ResetParameters as const), ...addressed }),
  fc.record({
    type: fc.constant(PcToRdr.SetParameters as const),
    ...addressed,
    parameters: arbProtocolParameters,
  }),
  fc.record({ type: fc.constant(PcToRdr.Escape as const), ...addressed, data: bytes() }),
  fc.record({
    type: fc.constant(PcToRdr.IccClock as const),
    ...addressed,
    clockCommand: fc.integer({ min: 0, max: 1 }),
  }),
  fc.record({
    type: fc.constant(PcToRdr.T0Apdu as const),
    ...addressed,
    changes: fc.integer({ min: 0, max: 3 }),
    classGetResponse: u8,
    classEnvelope: u8,
  }),
  fc
    .tuple(fc.record(addressed), u8, secureBody)
    .map(([a, bwi, body]) => ({ type: PcToRdr.Secure as const, ...a, bwi, ...body })),
  fc.record({
    type: fc.constant(PcToRdr.Mechanical as const),
    ...addressed,
    function: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({ type: fc.constant(PcToRdr.Abort as const), ...addressed }),
  fc.record({
    type: fc.constant(PcToRdr.SetDataRateAndClockFrequency as const),
    ...addressed,
    clockFrequency: u32,
    dataRate: u32,
  }),
);

const status = {
  ...addressed,
  iccStatus: fc.integer({ min: 0, max: 2 }),
  commandStatus: fc.constantFrom(0x00, 0x40, 0x80),
  error: u8,
};

export const arbRdrToPc: fc.Arbitrary<RdrToPcMessage> = fc.oneof(
  fc.record({
    type: fc.constant(RdrToPc.DataBlock as const),
    ...status,
    chainParameter: u8,
    data: bytes(300),
  }),
  fc.record({
    type: fc.constant(RdrToPc.SlotStatus as const),
    ...status,
    clockStatus: fc.integer({ min: 0, max: 3 }),
  }),
  fc.oneof(
    fc.tuple(fc.record(status), arbProtocolParameters).map(([s, p]) => ({
      type: RdrToPc.Parameters as const,
      ...s,
      protocolNum: p.protocol,
      parameters: p,
    })),
    fc.tuple(fc.record(status), fc.integer({ min: 0, max: 1 })).map(([s, n]) => ({
      type: RdrToPc.Parameters as const,
      ...s,
      protocolNum: n,
      parameters: undefined,
    })),
  ),
  fc.record({ type: fc.constant(RdrToPc.Escape as const), ...status, data: bytes() }),
  fc.record({
    type: fc.constant(RdrToPc.DataRateAndClockFrequency as const),
    ...status,
    clockFrequency: u32,
    dataRate: u32,
  }),
  fc.record({
    type: fc.constant(RdrToPc.NotifySlotChange as const),
    // decoding yields four slots per bmSlotICCState byte
    slots: fc.integer({ min: 1, max: 4 }).chain((n) =>
      fc.array(fc.record({ present: fc.boolean(), changed: fc.boolean() }), {
        minLength: 4 * n,
        maxLength: 4 * n,
      }),
    ),
  }),
  fc.record({ type: fc.constant(RdrToPc.HardwareError as const), ...addressed, code: u8 }),
);
