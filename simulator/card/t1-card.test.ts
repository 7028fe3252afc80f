import { describe, expect, it } from 'vitest';
import { ScriptedOs, answer, powerUp, t1Atr, transport } from './card-test-kit.ts';
import type { CardTransportProfile } from './contract.ts';
import { bytesOf, hexBytes, hexOf, type FakeLinePort } from './fake-line-port.ts';
import { computeEdc, type EdcKind } from './t1-edc.ts';
import type { VirtualCard } from './virtual-card.ts';

const HZ = 3_571_200;
const ETU = (372 / HZ) * 1e9;
/** ISO 7816-3 §11.2: BGT. */
const BGT = 22;

/** A block written without its EDC, with it appended. */
function blk(hex: string, edc: EdcKind = 'lrc'): Uint8Array {
  const body = hexBytes(hex);
  const out = new Uint8Array(body.length + (edc === 'crc' ? 2 : 1));
  out.set(body);
  out.set(computeEdc(edc, body), body.length);
  return out;
}

function h(bytes: Uint8Array): string {
  return hexOf(bytes);
}

interface T1Fixture {
  card: VirtualCard;
  port: FakeLinePort;
  os: ScriptedOs;
  /** The reader sends a block (22 etu after the card's last character), returns the card's reply. */
  send(block: Uint8Array, parityErrors?: number[]): string;
}

/** Echo COS: the response is the command's data field (after CLA INS P1 P2 Lc) and 90 00. */
function t1Card(
  overrides: Partial<CardTransportProfile> = {},
  atr: { ifsc?: number; crc?: boolean } = {},
): T1Fixture {
  const os = new ScriptedOs();
  os.answer = (c) => {
    const data = c.length > 5 ? c.subarray(5, 5 + c[4]) : new Uint8Array(0);
    const response = new Uint8Array(data.length + 2);
    response.set(data);
    response.set([0x90, 0x00], data.length);
    return { response, processingUs: 0 };
  };
  const { card, port } = powerUp(transport({ atr: t1Atr(atr), processingUs: 0, ...overrides }), os);
  return {
    card,
    port,
    os,
    send: (block, parityErrors) =>
      hexOf(bytesOf(port.exchange(card, block, { gapEtu: BGT, parityErrors }))),
  };
}

/** A card whose COS answers 80 CA with `length` bytes of 5A and 90 00. */
function longAnswerCard(length: number): T1Fixture {
  const t = t1Card();
  const echo = t.os.answer;
  t.os.answer = (c) => {
    if (c[1] !== 0xca) return echo(c);
    const response = new Uint8Array(length + 2).fill(0x5a);
    response.set([0x90, 0x00], length);
    return { response, processingUs: 0 };
  };
  return t;
}

function apdu(dataLength: number): Uint8Array {
  const c = new Uint8Array(5 + dataLength);
  c.set([0x00, 0xd6, 0x00, 0x00, dataLength]);
  for (let i = 0; i < dataLength; i++) c[5 + i] = i & 0xff;
  return c;
}

function iBlockHex(ns: number, more: boolean, inf: Uint8Array, nad = 0): string {
  const pcb = (ns ? 0x40 : 0) | (more ? 0x20 : 0);
  return `${hexOf([nad, pcb, inf.length])} ${hexOf(inf)}`.trim();
}

describe('T=1 exchanges', () => {
  it('answers an I-block with an I-block, LRC, NAD 00, sequence numbers alternating', () => {
    const t = t1Card();
    expect(t.port.uart.t1).toBe(true);
    expect(t.send(blk('00 00 07 00 D6 00 00 02 AA BB'))).toBe(h(blk('00 00 04 AA BB 90 00')));
    expect(t.card.protocol).toBe(1);
    expect(t.send(blk('00 40 05 00 D6 00 00 00'))).toBe(h(blk('00 40 02 90 00')));
    expect(t.send(blk('00 00 05 00 D6 00 00 00'))).toBe(h(blk('00 00 02 90 00')));
  });

  it('uses CRC when TC3 says so (the libccid CRC)', () => {
    const t = t1Card({}, { crc: true });
    expect(t.send(blk('00 00 05 00 D6 00 00 00', 'crc'))).toBe(h(blk('00 00 02 90 00', 'crc')));
    // An LRC block on a CRC card: one character short, so it ends by CWT, invalid.
    expect(t.send(blk('00 40 05 00 D6 00 00 00', 'lrc'))).toBe(h(blk('00 92 00', 'crc')));
    // A CRC block with a wrong CRC: EDC error.
    const bad = blk('00 40 05 00 D6 00 00 00', 'crc');
    bad[bad.length - 1] ^= 0x01;
    expect(t.send(bad)).toBe(h(blk('00 91 00', 'crc')));
  });

  it('CRC: the libccid variant (reflected 8408, init FFFF, no final XOR, high byte first)', () => {
    // That variant is catalogued as CRC-16/MCRF4XX, check value 6F91 for "123456789".
    expect(hexOf(computeEdc('crc', new TextEncoder().encode('123456789')))).toBe('6F 91');
  });

  it('answers with the addresses swapped (NAD)', () => {
    const t = t1Card();
    // DAD 1, SAD 2 → the card answers DAD 2, SAD 1.
    expect(t.send(blk('12 00 05 00 D6 00 00 00'))).toBe(h(blk('21 00 02 90 00')));
  });

  it('an invalid NAD (b8 set, or SAD = DAD ≠ 0) gets R(other error)', () => {
    const t = t1Card();
    expect(t.send(blk('80 00 05 00 D6 00 00 00'))).toBe(h(blk('00 82 00')));
    expect(t.send(blk('11 00 05 00 D6 00 00 00'))).toBe(h(blk('00 82 00')));
    expect(t.os.commands).toHaveLength(0);
  });

  it('waits the block guard time: 22 etu between leading edges at the earliest', () => {
    const t = t1Card();
    const { lastEdge } = t.port.readerSends(t.card, blk('00 00 05 00 D6 00 00 00'), {
      gapEtu: BGT,
    });
    t.port.run();
    const reply = t.port.take();
    expect(reply[0].at - lastEdge).toBeGreaterThanOrEqual(BGT * ETU - 1e-6);
    expect(reply[0].at - lastEdge).toBeLessThan((BGT + 1) * ETU);
  });

  it('after a PPS to TA1 = 96 runs T=1 at F = 512, D = 32', () => {
    const os = new ScriptedOs();
    const { card, port } = powerUp(transport({ atr: t1Atr() }), os);
    expect(hexOf(bytesOf(port.exchange(card, hexBytes('FF 11 96 78'))))).toBe('FF 11 96 78');
    expect(port.uart).toMatchObject({ f: 512, d: 32, t1: true });
    const reply = port.exchange(card, blk('00 00 05 00 D6 00 00 00'), { gapEtu: BGT });
    expect(hexOf(bytesOf(reply))).toBe(h(blk('00 00 02 90 00')));
    expect(reply[0].uart).toMatchObject({ f: 512, d: 32 });
  });
});

describe('T=1 chaining', () => {
  it('receives a chain: R(N(R)) after each block, LEN = 0 blocks allowed, one APDU to the COS', () => {
    const t = t1Card();
    const command = apdu(70); // 75 bytes; IFSC 32
    expect(t.send(blk(iBlockHex(0, true, command.subarray(0, 32))))).toBe(h(blk('00 90 00')));
    expect(t.send(blk(iBlockHex(1, true, new Uint8Array(0))))).toBe(h(blk('00 80 00')));
    expect(t.send(blk(iBlockHex(0, true, command.subarray(32, 64))))).toBe(h(blk('00 90 00')));
    const last = t.send(blk(iBlockHex(1, false, command.subarray(64))));
    expect(t.os.commands).toHaveLength(1);
    expect(hexOf(t.os.commands[0])).toBe(hexOf(command));
    // The answer (72 bytes) is chained back in IFSD = 32 blocks, starting with N(S) = 0.
    const response = new Uint8Array(72);
    response.set(command.subarray(5));
    response.set([0x90, 0x00], 70);
    expect(last).toBe(h(blk(iBlockHex(0, true, response.subarray(0, 32)))));
    expect(t.send(blk('00 90 00'))).toBe(h(blk(iBlockHex(1, true, response.subarray(32, 64)))));
    expect(t.send(blk('00 80 00'))).toBe(h(blk(iBlockHex(0, false, response.subarray(64)))));
    // The next command continues the numbering: reader N(S) = 0 again (4 blocks sent).
    expect(t.send(blk('00 00 05 00 D6 00 00 00'))).toBe(h(blk('00 40 02 90 00')));
  });

  it('refuses an I-block longer than IFSC with R(other error)', () => {
    const t = t1Card({}, { ifsc: 16 });
    expect(t.send(blk(iBlockHex(0, false, apdu(12))))).toBe(h(blk('00 82 00')));
    expect(t.send(blk(iBlockHex(0, false, apdu(11))))).toMatch(/^00 00 0D/);
  });

  it('S(IFS request) sets IFSD: the response then fits one block', () => {
    const t = longAnswerCard(40);
    expect(t.send(blk('00 C1 01 FE'))).toBe('00 E1 01 FE 1E');
    expect(t.card.protocol).toBe(1);
    const reply = t.send(blk('00 00 05 80 CA 00 00 00'));
    expect(reply.startsWith('00 00 2A')).toBe(true); // 40 + 2 bytes in one block
    // A smaller IFSD chains the response.
    expect(t.send(blk('00 C1 01 10'))).toBe(h(blk('00 E1 01 10')));
    expect(t.send(blk('00 40 05 80 CA 00 00 00'))).toBe(
      h(blk(iBlockHex(1, true, new Uint8Array(16).fill(0x5a)))),
    );
  });

  it('S(IFS request) in the middle of the card chain: the next blocks use the new IFSD', () => {
    const t = longAnswerCard(60);
    expect(t.send(blk('00 00 05 80 CA 00 00 00'))).toMatch(/^00 20 20 /);
    expect(t.send(blk('00 C1 01 0A'))).toBe(h(blk('00 E1 01 0A')));
    expect(t.send(blk('00 90 00'))).toMatch(/^00 60 0A /);
  });

  it('S(IFS request) with IFS 00 or FF is an error', () => {
    const t = t1Card();
    expect(t.send(blk('00 C1 01 00'))).toBe(h(blk('00 82 00')));
    expect(t.send(blk('00 C1 01 FF'))).toBe(h(blk('00 82 00')));
  });

  it('a chain longer than any APDU is acknowledged to the end and answered 67 00', () => {
    const t = t1Card({}, { ifsc: 254 });
    t.os.answer = () => answer('90 00');
    const inf = new Uint8Array(254);
    let ns = 0;
    for (let i = 0; i < 260; i++) {
      expect(t.send(blk(iBlockHex(ns, true, inf)))).toBe(h(blk(ns ? '00 80 00' : '00 90 00')));
      ns ^= 1;
    }
    expect(t.send(blk(iBlockHex(ns, false, inf)))).toBe(
      h(blk(iBlockHex(0, false, hexBytes('67 00')))),
    );
    expect(t.os.commands).toHaveLength(0);
  });
});

describe('T=1 waiting-time extension', () => {
  it('asks for S(WTX) when processing exceeds t1WtxAfterUs, answers after the extension', () => {
    const t = t1Card({ t1WtxAfterUs: 100_000, processingUsByIns: { D6: 3_000_000 } });
    const { lastReceived } = t.port.readerSends(t.card, blk('00 00 05 00 D6 00 00 00'), {
      gapEtu: BGT,
    });
    t.port.run(lastReceived + 200_000_000);
    const wtx = t.port.take();
    // BWT (BWI 4) = 11 etu + 16 · 960 · 372 / f ≈ 1.6 s; 2.9 s remain → multiplier 2.
    expect(hexOf(bytesOf(wtx))).toBe('00 C3 01 02 C0');
    expect(wtx[0].at - lastReceived).toBeCloseTo(100_000_000, 0);
    const reply = t.port.exchange(t.card, hexBytes('00 E3 01 02 E0'), { gapEtu: BGT });
    expect(hexOf(bytesOf(reply))).toBe(h(blk('00 00 02 90 00')));
    expect(reply[0].at - lastReceived).toBeCloseTo(3_000_000_000, 0);
  });

  it('sends its S(WTX request) again when the answer is invalid (rule 8)', () => {
    const t = t1Card({ t1WtxAfterUs: 100_000, processingUsByIns: { D6: 3_000_000 } });
    expect(t.send(blk('00 00 05 00 D6 00 00 00'))).toBe('00 C3 01 02 C0');
    expect(t.send(hexBytes('00 E3 01 02 E1'))).toBe('00 C3 01 02 C0'); // bad LRC
    expect(t.send(blk('00 90 00'))).toBe('00 C3 01 02 C0'); // not the WTX response
    expect(t.send(hexBytes('00 E3 01 02 E0'))).toBe(h(blk('00 00 02 90 00')));
  });

  it('holds a response that is ready until the WTX response arrives', () => {
    const t = t1Card({ t1WtxAfterUs: 100_000, processingUsByIns: { D6: 150_000 } });
    t.port.readerSends(t.card, blk('00 00 05 00 D6 00 00 00'), { gapEtu: BGT });
    t.port.run();
    expect(hexOf(bytesOf(t.port.take()))).toBe(h(blk('00 C3 01 01')));
    t.port.advance(1_000_000_000); // the reader is slow to answer
    expect(t.port.take()).toEqual([]);
    expect(t.send(blk('00 E3 01 01'))).toBe(h(blk('00 00 02 90 00')));
  });

  it('asks again when even a multiplier of 255 does not cover the processing', () => {
    // 500 s of processing; BWT ≈ 1.6 s, so 255 · BWT ≈ 409 s is not enough.
    const t = t1Card({ t1WtxAfterUs: 100_000, processingUsByIns: { D6: 500_000_000 } });
    const { lastReceived } = t.port.readerSends(t.card, blk('00 00 05 00 D6 00 00 00'), {
      gapEtu: BGT,
    });
    t.port.run(lastReceived + 200_000_000);
    expect(hexOf(bytesOf(t.port.take()))).toBe(h(blk('00 C3 01 FF')));
    const answered = t.port.readerSends(t.card, blk('00 E3 01 FF'), { gapEtu: BGT });
    t.port.run(answered.lastReceived + 200_000_000);
    expect(t.port.take()).toEqual([]); // the extension runs: no S-block for a while
    // Asked again one BWT before the 255 · BWT extension ends, for what is left.
    const bwt = 11 * ETU + ((16 * 960 * 372) / HZ) * 1e9;
    t.port.run(answered.lastReceived + 254 * bwt + 50_000_000);
    const again = t.port.take();
    expect(again[0].at - answered.lastReceived).toBeCloseTo(254 * bwt, 0);
    const remaining = lastReceived + 500e9 - again[0].at;
    expect(hexOf(bytesOf(again))).toBe(h(blk(`00 C3 01 ${hexOf([Math.ceil(remaining / bwt)])}`)));
    t.port.readerSends(t.card, blk(`00 E3 01 ${hexOf([again[3].byte])}`), { gapEtu: BGT });
    t.port.run();
    const reply = t.port.take();
    expect(hexOf(bytesOf(reply))).toBe(h(blk('00 00 02 90 00')));
    expect(reply[0].at - lastReceived).toBeCloseTo(500e9, 0);
  });

  it('no WTX without t1WtxAfterUs: the answer simply comes late', () => {
    const t = t1Card({ processingUsByIns: { D6: 3_000_000 } });
    expect(t.send(blk('00 00 05 00 D6 00 00 00'))).toBe(h(blk('00 00 02 90 00')));
  });

  it('a WTX request from the reader is an error', () => {
    const t = t1Card();
    expect(t.send(blk('00 C3 01 02'))).toBe(h(blk('00 82 00')));
  });
});

describe('T=1 error handling (ISO 7816-3 §11.6)', () => {
  it('bad EDC → R(N(R), EDC error); the block sent again is processed', () => {
    const t = t1Card();
    expect(t.send(hexBytes('00 00 05 00 D6 00 00 00 D4'))).toBe('00 81 00 81');
    expect(t.os.commands).toHaveLength(0);
    expect(t.send(blk('00 00 05 00 D6 00 00 00'))).toBe(h(blk('00 00 02 90 00')));
  });

  it('a parity error in a character → R(N(R), EDC error)', () => {
    const t = t1Card();
    expect(t.send(blk('00 00 05 00 D6 00 00 00'), [4])).toBe('00 81 00 81');
    expect(t.send(blk('00 00 05 00 D6 00 00 00'))).toBe(h(blk('00 00 02 90 00')));
    // Expected N(S) is now 1.
    expect(t.send(blk('00 40 05 00 D6 00 00 00'), [0])).toBe('00 91 00 91');
  });

  it('R(N(R) = N(S) of its last I-block) → the I-block again', () => {
    const t = t1Card();
    const first = t.send(blk('00 00 07 00 D6 00 00 02 AA BB'));
    expect(t.send(blk('00 81 00'))).toBe(first);
    expect(t.send(blk('00 80 00'))).toBe(first);
    expect(t.os.commands).toHaveLength(1);
  });

  it('a lost chain acknowledgement: R-block from the reader → the R-block again', () => {
    const t = t1Card();
    expect(t.send(blk(iBlockHex(0, true, apdu(20))))).toBe(h(blk('00 90 00')));
    expect(t.send(blk('00 81 00'))).toBe(h(blk('00 90 00')));
    expect(t.send(blk(iBlockHex(1, false, hexBytes('01 02'))))).toMatch(/^00 00 /);
  });

  it('a repeated I-block is answered again, never processed twice', () => {
    const t = t1Card();
    const first = t.send(blk('00 00 07 00 D6 00 00 02 AA BB'));
    expect(t.send(blk('00 00 07 00 D6 00 00 02 AA BB'))).toBe(first);
    expect(t.os.commands).toHaveLength(1);
  });

  it('unexpected blocks get R(other error): R first, I with the wrong N(S), an S response', () => {
    const t = t1Card();
    expect(t.send(blk('00 90 00'))).toBe('00 82 00 82');
    expect(t.send(blk('00 40 05 00 D6 00 00 00'))).toBe('00 82 00 82');
    expect(t.send(blk('00 E1 01 20'))).toBe(h(blk('00 82 00')));
    expect(t.os.commands).toHaveLength(0);
  });

  it('a block cut short: after CWT an R-block (other error)', () => {
    const t = t1Card();
    const { lastReceived } = t.port.readerSends(t.card, hexBytes('00 00 05 00'), { gapEtu: BGT });
    t.port.run();
    const reply = t.port.take();
    expect(hexOf(bytesOf(reply))).toBe('00 82 00 82');
    // CWI = 5: CWT = 11 + 32 = 43 etu.
    expect(reply[0].at - lastReceived).toBeGreaterThan(43 * ETU);
    expect(reply[0].at - lastReceived).toBeLessThan(60 * ETU);
  });

  it('LEN = FF: the block ends by CWT and gets R(other error)', () => {
    const t = t1Card();
    expect(t.send(hexBytes('00 00 FF 01 02 03'))).toBe('00 82 00 82');
    expect(t.send(blk('00 00 05 00 D6 00 00 00'))).toBe(h(blk('00 00 02 90 00')));
  });

  it('an I-block PCB with RFU bits set, an R-block with INF, an S-block with a wrong LEN are errors', () => {
    const t = t1Card();
    expect(t.send(blk('00 01 00'))).toBe('00 82 00 82');
    expect(t.send(blk('00 80 01 00'))).toBe('00 82 00 82');
    expect(t.send(blk('00 C0 01 00'))).toBe('00 82 00 82');
    expect(t.send(blk('00 C1 00'))).toBe('00 82 00 82');
  });

  it('S(RESYNCH) resets both sequence numbers and IFSD', () => {
    const t = longAnswerCard(40);
    t.send(blk('00 C1 01 FE'));
    t.send(blk('00 00 05 00 D6 00 00 00'));
    t.send(blk('00 40 05 00 D6 00 00 00'));
    t.send(blk('00 00 05 00 D6 00 00 00')); // card N(S) now 1, expected 1
    expect(t.send(blk('00 C0 00'))).toBe('00 E0 00 E0');
    expect(t.send(blk('00 00 05 00 D6 00 00 00'))).toBe(h(blk('00 00 02 90 00')));
    // IFSD back to 32: a 40-byte response is chained.
    expect(t.send(blk('00 40 05 80 CA 00 00 00'))).toMatch(/^00 60 20 /);
  });

  it('S(ABORT) abandons the chain being received', () => {
    const t = t1Card();
    expect(t.send(blk(iBlockHex(0, true, apdu(20))))).toBe(h(blk('00 90 00')));
    expect(t.send(blk('00 C2 00'))).toBe('00 E2 00 E2');
    expect(t.send(blk('00 40 05 00 D6 00 00 00'))).toBe(h(blk('00 00 02 90 00')));
    expect(hexOf(t.os.commands[0])).toBe('00 D6 00 00 00');
  });

  it('S(ABORT) abandons the chain being sent', () => {
    const t = longAnswerCard(60);
    const reply = t.send(blk('00 00 05 80 CA 00 00 00'));
    expect(reply).toMatch(/^00 20 20 /);
    expect(t.send(blk('00 C2 00'))).toBe('00 E2 00 E2');
    // The card's next I-block has N(S) = 1; the reader's next is N(S) = 1.
    expect(t.send(blk('00 40 05 00 D6 00 00 00'))).toBe(h(blk('00 40 02 90 00')));
  });

  it('an I-block while the card is chaining is an error (the reader must acknowledge)', () => {
    const t = longAnswerCard(60);
    t.send(blk('00 00 05 80 CA 00 00 00'));
    expect(t.send(blk('00 40 05 00 D6 00 00 00'))).toBe('00 92 00 92');
    // 62 bytes in all: the second and last block carries 30.
    expect(t.send(blk('00 90 00'))).toMatch(/^00 40 1E /);
  });
});
