// The PIN pad byte for byte (compat profile, TPDU level, like libccid's GemPC PinPad): each PIN
// structure field and the exact command the scripted card receives — BCD, ASCII and binary, byte
// and bit units, left and right justification, the PIN-length field, inserted PINs with Lc set
// by the reader, modification with insertion offsets, the entry-validation conditions, the T=1
// block from bTeoPrologue — and the compat answers (PC/SC part 10 status words, F0, EF).
import { describe, expect, it } from 'vitest';
import { CcidError, CommandStatus, PcToRdr, RdrToPc } from '../../protocol/ccid-constants.ts';
import { Key } from '../hal-constants.ts';
import { TIMER_PIN } from '../src/timers.ts';
import { frames } from './harness.ts';
import { ScriptedCardHal, type CardStep } from './scripted-card.ts';
import { command, frame, hex, readHostStream, type Answer } from './wire.ts';

const ATR_T0 = [0x3b, 0x02, 0x14, 0x50];
/** T=1 only: TD1 81, TD2 31 (TA3 IFSC FE, TB3 BWI 4 CWI 5), LRC, TCK. */
const ATR_T1 = [0x3b, 0x80, 0x81, 0x31, 0xfe, 0x45, 0x8b];
const FF = (n: number) => new Array<number>(n).fill(0xff);

interface Fields {
  timeOut?: number;
  format: number;
  block: number;
  lengthFormat?: number;
  max?: number;
  min?: number;
  validation?: number;
  messages?: number;
  langId?: number;
  teo?: [number, number, number];
}

/** bPINOperation 00 + the PIN verification structure + the template. */
function verify(f: Fields, apdu: number[]): number[] {
  const lang = f.langId ?? 0x0409;
  return [
    0x00,
    f.timeOut ?? 0x1e,
    f.format,
    f.block,
    f.lengthFormat ?? 0,
    f.max ?? 12,
    f.min ?? 4,
    f.validation ?? 0x02,
    f.messages ?? 0x01,
    lang & 0xff,
    lang >> 8,
    0x00,
    ...(f.teo ?? [0, 0, 0]),
    ...apdu,
  ];
}

/** bPINOperation 01 + the PIN modification structure (all three message indexes) + template. */
function modify(
  f: Fields & { offsetOld: number; offsetNew: number; confirm: number },
  apdu: number[],
): number[] {
  return [
    0x01,
    f.timeOut ?? 0x1e,
    f.format,
    f.block,
    f.lengthFormat ?? 0,
    f.offsetOld,
    f.offsetNew,
    f.max ?? 12,
    f.min ?? 4,
    f.confirm,
    f.validation ?? 0x02,
    f.messages ?? 0x03,
    0x09,
    0x04,
    0x00,
    0x01,
    0x02,
    ...(f.teo ?? [0, 0, 0]),
    ...apdu,
  ];
}

/** A T=0 case-3 TPDU as the card sees it: header (answered with INS), data (answered 90 00). */
function t0Case3(apdu: number[], sw = [0x90, 0x00]): CardStep[] {
  return [
    { expect: apdu.slice(0, 5), reply: [apdu[1]] },
    { expect: apdu.slice(5), reply: sw },
  ];
}

const KEY: Record<string, number> = {
  enter: Key.Enter,
  cancel: Key.Cancel,
  clear: Key.Clear,
  backspace: Key.Backspace,
};

class Pad {
  seq = 10;
  constructor(readonly hal: ScriptedCardHal) {}

  static async compat(atr: number[], script: CardStep[]): Promise<Pad> {
    const hal = new ScriptedCardHal();
    hal.insert(0, atr, script);
    await hal.load('debug');
    hal.run(frame(command({ type: PcToRdr.IccPowerOn, seq: 1, specific: [1, 0, 0] })));
    const atrAnswer = frames(readHostStream(hal.takeHostOut())).pop();
    expect(hex(atrAnswer!.data)).toBe(hex(atr));
    return new Pad(hal);
  }

  secure(abData: number[]): Answer[] {
    this.hal.run(frame(command({ type: PcToRdr.Secure, seq: ++this.seq, data: abData })));
    return this.answers();
  }

  keys(script: string): Answer[] {
    for (const k of script.split(' ')) {
      this.hal.exports.on_key(k in KEY ? KEY[k] : Number(k));
      this.hal.advance(200);
    }
    this.hal.run([], 50);
    return this.answers();
  }

  answers(): Answer[] {
    return frames(readHostStream(this.hal.takeHostOut()));
  }

  /** The Secure's final answer (the last one that is not an echo or a time extension). */
  final(all: Answer[]): Answer {
    const done = all.filter(
      (a) => a.type === RdrToPc.DataBlock && (a.status & 0xc0) !== CommandStatus.TimeExtension,
    );
    expect(done).toHaveLength(1);
    expect(done[0].seq).toBe(this.seq);
    return done[0];
  }
}

async function typed(
  abData: number[],
  keys: string,
  sent: number[],
  atr = ATR_T0,
): Promise<{ pad: Pad; answer: Answer }> {
  const pad = await Pad.compat(atr, t0Case3(sent));
  expect(pad.secure(abData).filter((a) => a.type === RdrToPc.DataBlock)).toEqual([]);
  const answer = pad.final(pad.keys(keys));
  expect(pad.hal.cardOut[0]).toEqual(sent);
  expect(pad.hal.panics).toEqual([]);
  return { pad, answer };
}

describe('the command the reader builds (compat, T=0 TPDU)', () => {
  it('cn BCD inserted, Lc set by the reader (the social security card): 12345 → 03 12 34 5F', async () => {
    const { answer } = await typed(
      verify({ format: 0x81, block: 0x00, max: 16 }, [0x00, 0x20, 0x00, 0x00, 0x00]),
      '1 2 3 4 5 enter',
      [0x00, 0x20, 0x00, 0x00, 0x03, 0x12, 0x34, 0x5f],
    );
    expect(hex(answer.data)).toBe('90 00');
  });

  it('a template with no Lc byte at all gets one', async () => {
    await typed(
      verify({ format: 0x81, block: 0x00 }, [0x00, 0x20, 0x00, 0x01]),
      '9 8 7 6 enter',
      [0x00, 0x20, 0x00, 0x01, 0x02, 0x98, 0x76],
    );
  });

  it('ASCII in a fixed 8-byte block, left-justified, the filler kept', async () => {
    await typed(
      verify({ format: 0x82, block: 0x08, max: 8 }, [0x00, 0x20, 0x00, 0x01, 0x08, ...FF(8)]),
      '1 2 3 4 enter',
      [0x00, 0x20, 0x00, 0x01, 0x08, 0x31, 0x32, 0x33, 0x34, ...FF(4)],
    );
  });

  it('BCD right-justified in a 4-byte block of zeros', async () => {
    await typed(
      verify({ format: 0x85, block: 0x04, max: 8 }, [0x00, 0x20, 0x00, 0x00, 0x04, 0, 0, 0, 0]),
      '1 2 3 4 5 enter',
      [0x00, 0x20, 0x00, 0x00, 0x04, 0x00, 0x01, 0x23, 0x45],
    );
  });

  it('binary: one digit a byte (00..09)', async () => {
    await typed(
      verify({ format: 0x80, block: 0x06, max: 6 }, [0x00, 0x20, 0x00, 0x00, 0x06, ...FF(6)]),
      '1 2 0 4 enter',
      [0x00, 0x20, 0x00, 0x00, 0x06, 0x01, 0x02, 0x00, 0x04, 0xff, 0xff],
    );
  });

  it('ISO 9564 format 2 block: BCD at byte 1, a 4-bit length field at bit 4', async () => {
    // bmFormatString 89, bmPINBlockString 47, bmPINLengthFormat 04 (bits, position 4).
    await typed(
      verify({ format: 0x89, block: 0x47, lengthFormat: 0x04 }, [
        0x00,
        0x20,
        0x00,
        0x80,
        0x08,
        0x20,
        ...FF(7),
      ]),
      '1 2 3 4 enter',
      [0x00, 0x20, 0x00, 0x80, 0x08, 0x24, 0x12, 0x34, ...FF(5)],
    );
  });

  it('bit units: the PIN at bit 4, a length byte in byte units after it', async () => {
    // bmFormatString 0x21: bits, position 4, left, BCD; block 2 bytes; length field 8 bits at
    // byte 3 (bmPINLengthFormat 0x13).
    await typed(
      verify(
        { format: 0x21, block: 0x82, lengthFormat: 0x13 },
        [0x00, 0x20, 0x00, 0x00, 0x04, 0xaf, 0xff, 0xff, 0xee],
      ),
      '1 2 3 4 enter',
      [0x00, 0x20, 0x00, 0x00, 0x04, 0xa1, 0x23, 0x4f, 0x04],
    );
  });

  it('the maximum reached validates without Enter (bEntryValidationCondition 01)', async () => {
    await typed(
      verify({ format: 0x82, block: 0x04, max: 4, validation: 0x01 }, [
        0x00,
        0x20,
        0x00,
        0x00,
        0x04,
        ...FF(4),
      ]),
      '5 6 7 8',
      [0x00, 0x20, 0x00, 0x00, 0x04, 0x35, 0x36, 0x37, 0x38],
    );
  });

  it('the timeout validates when asked to (04); Enter then does nothing', async () => {
    const sent = [0x00, 0x20, 0x00, 0x00, 0x03, 0x12, 0x34, 0x5f];
    const pad = await Pad.compat(ATR_T0, t0Case3(sent));
    pad.secure(verify({ format: 0x81, block: 0, timeOut: 5, validation: 0x04 }, [0, 0x20, 0, 0]));
    pad.keys('1 2 3 4 5 enter');
    expect(pad.hal.cardOut[0]).toEqual([]);
    pad.hal.advance(5000);
    pad.hal.run([], 50);
    expect(pad.hal.cardOut[0]).toEqual(sent);
  });

  it('modification, fixed ASCII blocks at insertion offsets 0 and 4, confirmed', async () => {
    const template = [0x00, 0x24, 0x00, 0x00, 0x08, ...FF(8)];
    await typed(
      modify({ format: 0x82, block: 0x04, offsetOld: 0, offsetNew: 4, confirm: 0x03 }, template),
      '1 1 1 1 enter 2 2 2 2 enter 2 2 2 2 enter',
      [0x00, 0x24, 0x00, 0x00, 0x08, 0x31, 0x31, 0x31, 0x31, 0x32, 0x32, 0x32, 0x32],
    );
  });

  it('modification without the current PIN (bConfirmPIN 01): new and confirm only', async () => {
    await typed(
      modify({ format: 0x82, block: 0x04, offsetOld: 0, offsetNew: 0, confirm: 0x01 }, [
        0x00,
        0x2c,
        0x02,
        0x00,
        0x04,
        ...FF(4),
      ]),
      '4 3 2 1 enter 4 3 2 1 enter',
      [0x00, 0x2c, 0x02, 0x00, 0x04, 0x34, 0x33, 0x32, 0x31],
    );
  });

  it("the social security card's CHANGE PIN: old ‖ FF ‖ new, both inserted, Lc set", async () => {
    await typed(
      modify(
        { format: 0x81, block: 0x00, offsetOld: 0, offsetNew: 1, confirm: 0x03, max: 16 },
        [0x80, 0x5e, 0x01, 0x00, 0x01, 0xff],
      ),
      '1 2 3 4 5 6 enter 2 4 6 8 0 enter 2 4 6 8 0 enter',
      [0x80, 0x5e, 0x01, 0x00, 0x07, 0x12, 0x34, 0x56, 0xff, 0x24, 0x68, 0x0f],
    );
  });

  it("libccid's GemPC PinPad VERIFY frame of ccid-over-serial §10.3 (block size 0: inserted)", async () => {
    // 1E 82 00 47 08 04 02 01 09 04 00 00 00 00 | 00 20 00 01 08 FF×8: the PIN goes in before
    // the eight FF and Lc grows; with a block size the FFs would be overwritten instead.
    await typed(
      [0x00, 0x1e, 0x82, 0x00, 0x47, 0x08, 0x04, 0x02, 0x01, 0x09, 0x04, 0x00, 0, 0, 0]
        .concat([0x00, 0x20, 0x00, 0x01, 0x08])
        .concat(FF(8)),
      '1 2 3 4 enter',
      [0x00, 0x20, 0x00, 0x01, 0x0c, 0x31, 0x32, 0x33, 0x34, ...FF(8)],
    );
  });
});

describe('compat answers and the display', () => {
  it('time extensions, each after its short echo, while the holder types; no data in them', async () => {
    const pad = await Pad.compat(ATR_T0, []);
    pad.secure(verify({ format: 0x81, block: 0 }, [0, 0x20, 0, 0]));
    pad.hal.advance(3500);
    const out = pad.answers();
    const extensions = out.filter((a) => a.type === RdrToPc.DataBlock);
    expect(extensions.length).toBe(3);
    for (const te of extensions) {
      expect([te.status & 0xc0, te.error, te.data.length]).toEqual([
        CommandStatus.TimeExtension,
        1,
        0,
      ]);
    }
    expect(out.map((a) => a.type)).toEqual(extensions.flatMap(() => [PcToRdr.Secure, 0x80]));
  });

  it('too short → 64 03 and mismatch → 64 02 in a DataBlock; timeout → F0, Cancel → EF; no card I/O', async () => {
    const pad = await Pad.compat(ATR_T0, []);
    const ssc = verify({ format: 0x81, block: 0 }, [0, 0x20, 0, 0]);
    pad.secure(ssc);
    let a = pad.final(pad.keys('1 2 3 enter'));
    expect([a.status & 0xc0, hex(a.data)]).toEqual([CommandStatus.Ok, '64 03']);
    expect(pad.hal.display).toEqual(['Wrong length', '']);
    pad.secure(
      modify(
        { format: 0x81, block: 0, offsetOld: 0, offsetNew: 1, confirm: 0x03 },
        [0x80, 0x5e, 0x01, 0x00, 0x01, 0xff],
      ),
    );
    a = pad.final(pad.keys('1 2 3 4 enter 5 5 5 5 enter 5 5 5 6 enter'));
    expect(hex(a.data)).toBe('64 02');
    pad.secure(ssc);
    pad.hal.advance(30_000);
    a = pad.final(pad.answers());
    expect([a.status & 0xc0, a.error]).toEqual([CommandStatus.Failed, CcidError.PinTimeout]);
    pad.secure(ssc);
    a = pad.final(pad.keys('1 cancel'));
    expect([a.status & 0xc0, a.error]).toEqual([CommandStatus.Failed, CcidError.PinCancelled]);
    expect(pad.hal.cardOut[0]).toEqual([]);
    expect(pad.hal.timers.has(TIMER_PIN)).toBe(false);
  });

  it('the display: indicator and prompt, one star per digit, the outcome (English for 0x0409)', async () => {
    const sent = [0x00, 0x20, 0x00, 0x00, 0x02, 0x12, 0x34];
    const pad = await Pad.compat(ATR_T0, t0Case3(sent, [0x63, 0xc1]));
    pad.secure(verify({ format: 0x81, block: 0 }, [0, 0x20, 0, 0]));
    expect(pad.hal.display).toEqual(['🔒Enter PIN', ' '.repeat(16)]);
    for (const k of '1 2 3'.split(' ')) pad.hal.exports.on_key(Number(k));
    expect(pad.hal.display[1]).toBe('***' + ' '.repeat(13));
    pad.keys('4 enter');
    expect(pad.hal.display).toEqual(['Wrong PIN', '1 try left']);
  });

  it('a watchdog reset during the entry: init clears the prompt and the secure-entry indicator', async () => {
    const pad = await Pad.compat(ATR_T0, t0Case3([0x00, 0x20, 0x00, 0x00, 0x02, 0x12, 0x34]));
    pad.secure(verify({ format: 0x81, block: 0 }, [0, 0x20, 0, 0]));
    pad.hal.exports.on_key(1);
    expect(pad.hal.display[0]).toContain('🔒');
    // The display keeps its cells across the reset; the fresh firmware instance starts with init.
    pad.hal.calls.length = 0;
    await pad.hal.load('debug');
    expect(pad.hal.display).toEqual(['', '']);
    expect(pad.hal.calls.filter((c) => c.name === 'display_text')).toEqual([]);
    expect(pad.hal.panics).toEqual([]);
  });

  it('Chinese for 0x0804 and the default 0', async () => {
    for (const langId of [0x0804, 0]) {
      const pad = await Pad.compat(ATR_T0, t0Case3([0x00, 0x20, 0x00, 0x00, 0x02, 0x12, 0x34]));
      pad.secure(verify({ format: 0x81, block: 0, langId }, [0, 0x20, 0, 0]));
      expect(pad.hal.display[0]).toBe('🔒请输入密码');
      pad.keys('1 2 3 4 enter');
      expect(pad.hal.display[0]).toBe('密码正确');
    }
  });
});

describe('T=1 at TPDU level: the block from bTeoPrologue', () => {
  it('NAD and PCB as given, LEN and the LRC for the built command', async () => {
    const inf = [0x00, 0x20, 0x00, 0x00, 0x03, 0x12, 0x34, 0x56];
    const block = [0x00, 0x40, inf.length, ...inf];
    block.push(block.reduce((x, b) => x ^ b, 0));
    const answer = [0x00, 0x00, 0x02, 0x90, 0x00];
    answer.push(answer.reduce((x, b) => x ^ b, 0));
    const pad = await Pad.compat(ATR_T1, [{ expect: block, reply: answer }]);
    // libccid's prologue for the template 00 20 00 00 00 (5 bytes) with N(S) = 1.
    pad.secure(verify({ format: 0x81, block: 0, teo: [0x00, 0x40, 0x05] }, [0, 0x20, 0, 0, 0]));
    const a = pad.final(pad.keys('1 2 3 4 5 6 enter'));
    expect(pad.hal.cardOut[0]).toEqual(block);
    expect(hex(a.data)).toBe(hex(answer));
    expect(pad.hal.display[0]).toBe('PIN OK');
  });

  it('refuses an R- or S-block PCB, a chained I-block, and a LEN that is not the template', async () => {
    const pad = await Pad.compat(ATR_T1, []);
    const tmpl = [0, 0x20, 0, 0, 0];
    for (const [teo, offset] of [
      [[0, 0x80, 5], 10 + 13],
      [[0, 0xc1, 5], 10 + 13],
      [[0, 0x20, 5], 10 + 13],
      [[0, 0x00, 4], 10 + 14],
    ] as const) {
      const a = pad.final(pad.secure(verify({ format: 0x81, block: 0, teo: [...teo] }, tmpl)));
      expect([a.status & 0xc0, a.error]).toEqual([CommandStatus.Failed, offset]);
    }
    expect(pad.hal.cardOut[0]).toEqual([]);
  });
});
