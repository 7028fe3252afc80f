// PIN harvesting through the reader is refused (issue 6 §2): a Secure whose template could put
// the typed digits anywhere but inside the data field of VERIFY (20), CHANGE REFERENCE DATA (24),
// RESET RETRY COUNTER (2C) or the social security card's CHANGE PIN (80 5E) fails with the
// offset of the offending field — before any key is read (the key script stays armed, the
// secure-entry indicator never shows) and before any byte goes to the card.
import { afterEach, describe, expect, it } from 'vitest';
import { CcidError, CommandStatus, PcToRdr, RdrToPc } from '../../protocol/ccid-constants.ts';
import { KEYPAD_PIN_ENTRY_ACTIVE, VendorCommand } from '../../protocol/native-constants.ts';
import type {
  PinModifyStructure,
  PinVerifyStructure,
  SecurePayload,
} from '../../protocol/pin-structures.ts';
import { decodeVendorResponse, encodeVendorRequest } from '../../protocol/native/vendor-escape.ts';
import { isReaderError } from '../ccid/errors.ts';
import { verifyPin } from './pin-entry.ts';
import { modifyStructure, verifyStructure } from './pin-templates.ts';
import { pinRig, type PinRig } from './testing/sim-pin-rig.ts';

let rig: PinRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const HEADER = 10;
/** Offsets in the CCID message of fields of the verification structure (bPINOperation at 10). */
const V = { formatString: HEADER + 2, lengthFormat: HEADER + 4, digits: HEADER + 5 };
const V_APDU = HEADER + 15;
const M_APDU = HEADER + 20;

const verify = (patch: Partial<PinVerifyStructure>): SecurePayload => ({
  kind: 'verify',
  structure: { ...verifyStructure('ssc'), ...patch },
});
const modify = (patch: Partial<PinModifyStructure>): SecurePayload => ({
  kind: 'modify',
  structure: { ...modifyStructure('ssc'), ...patch },
});
const apdu = (...bytes: number[]) => Uint8Array.from(bytes);
const ff = (n: number) => new Array<number>(n).fill(0xff);

/** Sends `payload`; returns the bError it was refused with. */
async function refusal(r: PinRig, payload: SecurePayload): Promise<number> {
  const before = r.displayHistory().length;
  const error = await r.slot.secure(payload).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isReaderError(error)) throw new Error(`not refused: ${String(error)}`);
  // No key read: the script is still waiting for a PIN prompt, which never came.
  expect(r.sim.reader.keypad.armedScripts).toBe(1);
  expect(r.displayHistory().length).toBe(before);
  expect(r.cardCommands).toEqual([]);
  return error.bError ?? -1;
}

describe('harvesting templates are refused without key or card I/O', () => {
  it.each([
    ['READ BINARY', 0x00, 0xb0],
    ['UPDATE BINARY', 0x00, 0xd6],
    ['UPDATE RECORD', 0x00, 0xdc],
    ['APPEND RECORD', 0x00, 0xe2],
    ['SELECT', 0x00, 0xa4],
    ['GET CHALLENGE', 0x00, 0x84],
    ['INTERNAL AUTHENTICATE', 0x00, 0x88],
    ['GET DATA', 0x00, 0xca],
    ['ENVELOPE', 0x00, 0xc2],
    ['CHANGE PIN under CLA 00 (80 5E only)', 0x00, 0x5e],
    ['a proprietary command', 0x80, 0xf2],
  ])('%s (CLA %i INS %i): refused at the INS byte', async (_name, cla, ins) => {
    const r = (rig = await pinRig());
    r.sim.typeKeys('1 2 3 4 5 6 enter');
    expect(await refusal(r, verify({ apdu: apdu(cla, ins, 0, 0, 0) }))).toBe(V_APDU + 1);
  });

  it('CLA FF (a PPS at TPDU level) is refused at the CLA byte', async () => {
    const r = (rig = await pinRig());
    r.sim.typeKeys('1 2 3 4 5 6 enter');
    expect(await refusal(r, verify({ apdu: apdu(0xff, 0x20, 0, 0, 0) }))).toBe(V_APDU);
  });

  it('a PIN block past Lc, a position past the data, Le after the data, extended Lc', async () => {
    const r = (rig = await pinRig());
    r.sim.typeKeys('1 2 3 4 5 6 enter');
    const fixed = { pinBlockString: { lengthFieldBits: 0, blockSize: 8 } };
    // An 8-byte block in a 4-byte data field would run into whatever follows Lc.
    expect(await refusal(r, verify({ ...fixed, apdu: apdu(0, 0x20, 0, 0, 4, ...ff(4)) }))).toBe(
      V.formatString,
    );
    // Position 12 bytes in an 8-byte data field; inserted (block 0) past the data's end.
    const at12 = { units: 'bytes', position: 12, justification: 'left', format: 'bcd' } as const;
    expect(
      await refusal(r, verify({ formatString: at12, apdu: apdu(0, 0x20, 0, 0, 8, ...ff(8)) })),
    ).toBe(V.formatString);
    expect(await refusal(r, verify({ formatString: at12, apdu: apdu(0, 0x20, 0, 0) }))).toBe(
      V.formatString,
    );
    // Data then Le (case 4): Lc no longer ends the command.
    expect(await refusal(r, verify({ ...fixed, apdu: apdu(0, 0x20, 0, 0, 8, ...ff(8), 0) }))).toBe(
      V_APDU + 4,
    );
    // Extended Lc (00 00 08): not a short case 3.
    expect(
      await refusal(r, verify({ ...fixed, apdu: apdu(0, 0x20, 0, 0, 0, 0, 8, ...ff(8)) })),
    ).toBe(V_APDU + 4);
    // The PIN-length field outside the data field.
    expect(
      await refusal(
        r,
        verify({
          pinBlockString: { lengthFieldBits: 4, blockSize: 4 },
          pinLengthFormat: { units: 'bytes', position: 6, rfu: 0 },
          apdu: apdu(0, 0x20, 0, 0, 4, ...ff(4)),
        }),
      ),
    ).toBe(V.lengthFormat);
  });

  it('modification: the new PIN past the data, overlapping blocks, a harvesting INS', async () => {
    const r = (rig = await pinRig());
    r.sim.typeKeys('1 2 3 4 5 6 enter');
    const fixed = { pinBlockString: { lengthFieldBits: 0, blockSize: 4 } };
    const data8 = apdu(0, 0x24, 0, 0, 8, ...ff(8));
    expect(await refusal(r, modify({ ...fixed, insertionOffsetNew: 6, apdu: data8 }))).toBe(
      HEADER + 6,
    );
    expect(await refusal(r, modify({ ...fixed, insertionOffsetNew: 2, apdu: data8 }))).toBe(
      HEADER + 6,
    );
    expect(await refusal(r, modify({ apdu: apdu(0, 0xd6, 0, 0, 1, 0xff) }))).toBe(M_APDU + 1);
  });

  it('bad structure fields: validation condition, message count and index, digits, level', async () => {
    const r = (rig = await pinRig());
    r.sim.typeKeys('1 2 3 4 5 6 enter');
    expect(await refusal(r, verify({ entryValidationCondition: 0 }))).toBe(HEADER + 7);
    expect(await refusal(r, verify({ entryValidationCondition: 8 }))).toBe(HEADER + 7);
    expect(await refusal(r, verify({ numberMessage: 3 }))).toBe(HEADER + 8);
    expect(await refusal(r, verify({ msgIndex: 9 }))).toBe(HEADER + 11);
    expect(await refusal(r, verify({ pinDigits: { min: 9, max: 4 } }))).toBe(V.digits);
    expect(await refusal(r, modify({ confirmPin: 0x04 }))).toBe(HEADER + 9);
    expect(await refusal(r, modify({ msgIndex2: 7 }))).toBe(HEADER + 15);
    // The two-step and chained forms (bPINOperation 02..06) are not offered.
    expect(await refusal(r, { kind: 'operation', operation: 0x04, data: new Uint8Array(0) })).toBe(
      CcidError.CmdNotSupported,
    );
  });

  it('while an entry runs: an XfrBlock to its slot is refused busy; KeypadState says so and shows no digit', async () => {
    const r = (rig = await pinRig());
    r.sim.typeKeys('1 2 3 wait:3000 4 5 6 enter');
    const entry = verifyPin({ slot: r.slot });
    // Once two digits are in: a plain XfrBlock (outside the client's per-slot order).
    await new Promise<void>((resolve) => {
      const check = () =>
        r.display()[1] === '**' ? resolve() : r.sim.clientClock.setTimeout(check, 50);
      check();
    });
    await r.raw.send({
      type: PcToRdr.XfrBlock,
      slot: 0,
      seq: 0xee,
      bwi: 0,
      levelParameter: 0,
      data: apdu(0x00, 0xb0, 0x00, 0x00, 0x00),
    });
    const keypad = await r.client.command({
      type: PcToRdr.Escape,
      slot: 1,
      data: encodeVendorRequest({ command: VendorCommand.KeypadState }),
    });
    expect(await entry).toEqual({ outcome: 'ok' });
    const busy = r.trace.flatMap((e) =>
      e.kind === 'in' && e.message.type === RdrToPc.DataBlock && e.message.seq === 0xee
        ? [e.message]
        : [],
    );
    expect(busy).toMatchObject([
      { commandStatus: CommandStatus.Failed, error: CcidError.CmdSlotBusy },
    ]);
    if (keypad.type !== RdrToPc.Escape) throw new Error('not an Escape answer');
    const state = decodeVendorResponse(keypad.data);
    expect(state).toMatchObject({ command: VendorCommand.KeypadState });
    expect(keypad.data.slice(4)).toEqual(Uint8Array.of(0, 0, KEYPAD_PIN_ENTRY_ACTIVE));
    expect(r.cardCommands).toEqual(['00 20']);
  });

  it('outside an entry, KeypadState reports function keys and never digits', async () => {
    const r = (rig = await pinRig());
    for (const key of ['1', 'f1', '2', 'enter', '3', 'cancel']) {
      r.sim.reader.keypad.press(
        key === 'f1' ? 0x11 : key === 'enter' ? 0x0a : key === 'cancel' ? 0x0b : Number(key),
      );
    }
    const keypad = await r.client.command({
      type: PcToRdr.Escape,
      slot: 0,
      data: encodeVendorRequest({ command: VendorCommand.KeypadState }),
    });
    if (keypad.type !== RdrToPc.Escape) throw new Error('not an Escape answer');
    // Enter 0x01 | Cancel 0x02 | F1 0x10, flags 0.
    expect(keypad.data.slice(4)).toEqual(Uint8Array.of(0x13, 0x00, 0x00));
  });
});
