// The libccid start-up sequence of ccid-over-serial §11.1, answered in the compat profile: every
// answer follows a header-only short echo (§10.5), and the answers match the recorded trace
// byte for byte where the trace does not depend on our firmware string.
import { describe, expect, it } from 'vitest';
import {
  IccStatus,
  PcToRdr,
  RdrToPc,
  CommandStatus,
  CcidError,
} from '../../protocol/ccid-constants.ts';
import {
  loadHarness,
  loadFirmware,
  setResponse,
  lastTransmitted,
  shortEchoOf,
  Op,
} from './harness.ts';
import { decodeAnswer, frame, hex, readHostStream, unhex } from './wire.ts';
import { FIRMWARE_NAME as FIRMWARE_VERSION_STRING } from '../src/version.ts';

/** H and R lines of §11.1 (R lines without the echo, which the trace does not show). */
const TRACE = {
  getFirmware: 'H 03 06 6B 01 00 00 00 00 00 00 00 00 02 6D',
  cardMovement: 'H 03 06 6B 03 00 00 00 00 01 00 00 00 01 01 01 6D',
  cardMovementR: '03 06 83 00 00 00 00 00 01 01 00 00 86',
  slotStatus: 'H 03 06 65 00 00 00 00 00 02 00 00 00 62',
  slotStatusR: '03 06 81 00 00 00 00 00 02 01 00 00 87',
  features: 'H 03 06 6B 01 00 00 00 00 04 00 00 00 6A 01',
  featuresR: '03 06 83 00 00 00 00 00 04 41 00 00 C3',
  powerOn: 'H 03 06 62 00 00 00 00 00 08 01 00 00 6E',
  powerOnR: '03 06 80 04 00 00 00 00 08 00 00 00 3B 02 14 50 F4',
  setParameters: 'H 03 06 61 05 00 00 00 00 36 00 00 00 11 00 00 0A 00 4C',
  setParametersR: '03 06 82 05 00 00 00 00 36 00 00 00 11 00 00 0A 00 AF',
  xfr: 'H 03 06 6F 07 00 00 00 00 37 00 00 00 00 A4 04 00 02 3F 00 C7',
  xfrR: '03 06 80 02 00 00 00 00 37 00 00 00 90 00 20',
};

const host = (line: string) => unhex(line.replace(/^H /, ''));
/** The short echo frame of a host frame: its header with dwLength 0, reframed. */
const echoOf = (hostFrame: Uint8Array) => {
  const header = hostFrame.slice(2, 12);
  header.fill(0, 1, 5);
  return frame(header);
};

describe('compat profile: libccid start-up (ccid-over-serial §11.1)', () => {
  it('answers the recorded GemPCTwin start-up and one APDU, each after a short echo', async () => {
    const { hal, fw } = await loadHarness();
    fw.fake_set_icc(0, IccStatus.PresentInactive);
    const exchange = (line: string) => {
      hal.hostWrite(host(line));
      return hal.takeHostOut();
    };

    // Escape 02: success with our firmware string.
    const firmware = exchange(TRACE.getFirmware);
    const fwItems = readHostStream(firmware);
    expect(fwItems).toHaveLength(2);
    expect(hex(firmware.slice(0, 13))).toBe(hex(echoOf(host(TRACE.getFirmware))));
    const fwAnswer = fwItems[1].kind === 'frame' ? fwItems[1].answer : undefined;
    expect(fwAnswer?.type).toBe(RdrToPc.Escape);
    expect(fwAnswer?.status).toBe(CommandStatus.Ok | IccStatus.PresentInactive);
    expect(new TextDecoder().decode(fwAnswer?.data)).toBe(FIRMWARE_VERSION_STRING);

    for (const [h, r] of [
      [TRACE.cardMovement, TRACE.cardMovementR],
      [TRACE.slotStatus, TRACE.slotStatusR],
      [TRACE.features, TRACE.featuresR],
    ]) {
      expect(hex(exchange(h))).toBe(hex([...echoOf(host(h)), ...unhex(r)]));
    }

    // IccPowerOn 5 V: the slot layer is asked at TPDU level, then completes with the ATR.
    expect(hex(exchange(TRACE.powerOn))).toBe('');
    expect(fw.fake_op(0)).toBe(Op.PowerOn);
    expect(fw.fake_last_power_select()).toBe(1);
    expect(fw.fake_last_apdu_level()).toBe(0);
    fw.fake_complete(0, 0, setResponse(hal, fw, [0x3b, 0x02, 0x14, 0x50]));
    expect(hex(hal.takeHostOut())).toBe(
      hex([...echoOf(host(TRACE.powerOn)), ...unhex(TRACE.powerOnR)]),
    );

    // SetParameters T=0: the answer carries bProtocolNum and the same 5 bytes.
    expect(hex(exchange(TRACE.setParameters))).toBe(
      hex([...echoOf(host(TRACE.setParameters)), ...unhex(TRACE.setParametersR)]),
    );

    // XfrBlock: the TPDU goes to the slot as it is; the card's 90 00 comes back.
    expect(hex(exchange(TRACE.xfr))).toBe('');
    expect(hex(lastTransmitted(hal, fw))).toBe('00 A4 04 00 02 3F 00');
    expect(fw.fake_last_apdu_level()).toBe(0);
    fw.fake_complete(0, 0, setResponse(hal, fw, [0x90, 0x00]));
    expect(hex(hal.takeHostOut())).toBe(hex([...echoOf(host(TRACE.xfr)), ...unhex(TRACE.xfrR)]));
  });

  for (const variant of ['debug', 'release'] as const) {
    it(`${variant} firmware answers libccid's start-up escapes`, async () => {
      const { hal } = await loadFirmware(variant);
      const answerTo = (hostFrame: Uint8Array) => {
        hal.hostWrite(hostFrame);
        const out = hal.takeHostOut();
        const items = readHostStream(out);
        expect(items).toHaveLength(2);
        expect(hex(out.slice(0, 13))).toBe(hex(echoOf(hostFrame)));
        if (items[1].kind !== 'frame') throw new Error('no answer frame');
        return items[1].answer;
      };
      const firmware = answerTo(host(TRACE.getFirmware));
      expect(firmware.type).toBe(RdrToPc.Escape);
      expect(firmware.status & 0xc0).toBe(CommandStatus.Ok);
      expect(new TextDecoder().decode(firmware.data)).toBe(FIRMWARE_VERSION_STRING);
      expect(answerTo(host(TRACE.cardMovement)).status & 0xc0).toBe(CommandStatus.Ok);
      const features = answerTo(host(TRACE.features));
      expect(features.status & 0xc0).toBe(CommandStatus.Failed);
      expect(features.error).toBe(CcidError.CmdNotSupported);
      const status = answerTo(host(TRACE.slotStatus));
      expect(status.type).toBe(RdrToPc.SlotStatus);
      expect(status.seq).toBe(2);
      // GEMPC_TWIN_KEY_APDU's 1F 02, and GemPCPinPad's LCD strings: a 175-byte message whose
      // echo must stay header-only (ccid-over-serial §10.4).
      const keyApdu = frame([PcToRdr.Escape, 2, 0, 0, 0, 0, 5, 0, 0, 0, 0x1f, 0x02]);
      expect(answerTo(keyApdu).status & 0xc0).toBe(CommandStatus.Ok);
      const lcd = [0xb2, 0xa0, 0x00, 0x4d, 0x4c, ...new Array(160).fill(0x41)];
      const lcdFrame = frame([PcToRdr.Escape, lcd.length, 0, 0, 0, 0, 6, 0, 0, 0, ...lcd]);
      const lcdAnswer = answerTo(lcdFrame);
      expect(lcdAnswer.status & 0xc0).toBe(CommandStatus.Ok);
      expect(lcdAnswer.seq).toBe(6);
      // An escape that is neither libccid's nor ours.
      const other = answerTo(frame([PcToRdr.Escape, 1, 0, 0, 0, 0, 7, 0, 0, 0, 0x77]));
      expect(other.status & 0xc0).toBe(CommandStatus.Failed);
      expect(other.error).toBe(CcidError.CmdNotSupported);
      expect(hal.panics).toEqual([]);
      void decodeAnswer;
      void shortEchoOf;
    });
  }
});
