import { describe, expect, it } from 'vitest';
import { ScriptedOs, answer, powerUp, transport } from './card-test-kit.ts';
import type { CardTransportProfile } from './contract.ts';
import { bytesOf, hexBytes, hexOf } from './fake-line-port.ts';

const HZ = 3_571_200;
const ETU = (372 / HZ) * 1e9;

/** A T=0 card whose COS answers READ BINARY (B0) and READ RECORD (B2) with 4 bytes,
 * INTERNAL AUTHENTICATE (88) with 8 bytes, and 90 00 otherwise. */
function t0Card(overrides: Partial<CardTransportProfile> = {}) {
  const os = new ScriptedOs();
  os.answer = (c) => {
    if (c[1] === 0xb0 || c[1] === 0xb2) return answer('11 22 33 44 90 00');
    if (c[1] === 0x88) return answer('01 02 03 04 05 06 07 08 90 00');
    return answer('90 00');
  };
  return powerUp(transport({ processingUs: 0, ...overrides }), os);
}

function hexReply(chars: { byte: number }[]): string {
  return hexOf(chars.map((c) => c.byte));
}

describe('T=0 cases 1 to 4', () => {
  it('case 1: SW only', () => {
    const { card, port, os } = t0Card();
    expect(hexReply(port.exchange(card, hexBytes('80 CA 00 00 00')))).toBe('90 00');
    expect(hexOf(os.commands[0])).toBe('80 CA 00 00 00');
  });

  it('case 2: ACK (INS), Le bytes, SW', () => {
    const { card, port } = t0Card();
    expect(hexReply(port.exchange(card, hexBytes('00 B0 00 00 04')))).toBe('B0 11 22 33 44 90 00');
  });

  it('case 2 with a wrong Le: 6Cxx, and the re-issued command gets the data', () => {
    const { card, port, os } = t0Card();
    expect(hexReply(port.exchange(card, hexBytes('00 B0 00 00 08')))).toBe('6C 04');
    expect(hexReply(port.exchange(card, hexBytes('00 B0 00 00 02')))).toBe('6C 04');
    expect(hexReply(port.exchange(card, hexBytes('00 B0 00 00 04')))).toBe('B0 11 22 33 44 90 00');
    expect(os.commands).toHaveLength(3);
  });

  it('case 2, profile truncate: the data that fits, or fewer bytes one at a time', () => {
    const { card, port } = t0Card({ t0: { case4: '61xx', wrongLe: 'truncate' } });
    expect(hexReply(port.exchange(card, hexBytes('00 B0 00 00 02')))).toBe('B0 11 22 90 00');
    // Fewer than Le: ~INS before each byte (ISO 7816-3 §10.3.3), then SW1 SW2.
    expect(hexReply(port.exchange(card, hexBytes('00 B0 00 00 08')))).toBe(
      '4F 11 4F 22 4F 33 4F 44 90 00',
    );
  });

  it('READ RECORD with Le = 00 is answered 6Cxx, whatever the profile (kiosk-cards §1.4)', () => {
    for (const wrongLe of ['6Cxx', 'truncate'] as const) {
      const { card, port } = t0Card({ t0: { case4: '61xx', wrongLe } });
      expect(hexReply(port.exchange(card, hexBytes('00 B2 01 04 00')))).toBe('6C 04');
      expect(hexReply(port.exchange(card, hexBytes('00 B2 01 04 04')))).toBe(
        'B2 11 22 33 44 90 00',
      );
    }
  });

  it('P3 = 00 on READ BINARY means 256 bytes', () => {
    const { card, port, os } = t0Card();
    os.answer = () => ({
      response: new Uint8Array(258).fill(0xaa).fill(0x90, 256, 257).fill(0, 257),
      processingUs: 0,
    });
    const reply = bytesOf(port.exchange(card, hexBytes('00 B0 00 00 00')));
    expect(reply).toHaveLength(259);
    expect(reply[0]).toBe(0xb0);
    expect(hexOf(reply.slice(-2))).toBe('90 00');
  });

  it('more than 256 bytes for P3 = 00: the first 256, then 61xx and GET RESPONSE', () => {
    const { card, port, os } = t0Card();
    const data = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    os.answer = () => ({ response: Uint8Array.from([...data, 0x90, 0x00]), processingUs: 0 });
    const first = bytesOf(port.exchange(card, hexBytes('00 B0 00 00 00')));
    expect(first[0]).toBe(0xb0);
    expect(first.slice(1, 257)).toEqual([...data.subarray(0, 256)]);
    expect(hexOf(first.slice(257))).toBe('61 2C');
    const rest = bytesOf(port.exchange(card, hexBytes('00 C0 00 00 2C')));
    expect(rest.slice(1, 45)).toEqual([...data.subarray(256)]);
    expect(hexOf(rest.slice(45))).toBe('90 00');
  });

  it('case 3: ACK after the header, all Lc bytes, then SW; the COS sees the whole command', () => {
    const { card, port, os } = t0Card();
    const ack = port.exchange(card, hexBytes('00 D6 00 00 03'));
    expect(hexReply(ack)).toBe('D6');
    expect(os.commands).toHaveLength(0);
    expect(hexReply(port.exchange(card, hexBytes('AA BB CC')))).toBe('90 00');
    expect(hexOf(os.commands[0])).toBe('00 D6 00 00 03 AA BB CC');
  });

  it('P3 = 00 as Lc (VERIFY status query): no data, the COS sees CLA INS P1 P2', () => {
    const { card, port, os } = t0Card();
    expect(hexReply(port.exchange(card, hexBytes('00 20 00 00 00')))).toBe('90 00');
    expect(hexOf(os.commands[0])).toBe('00 20 00 00');
  });

  it('case 4: 61xx, then GET RESPONSE served from the pending response', () => {
    const { card, port, os } = t0Card();
    port.exchange(card, hexBytes('00 88 00 00 02'));
    expect(hexReply(port.exchange(card, hexBytes('11 22')))).toBe('61 08');
    expect(hexReply(port.exchange(card, hexBytes('00 C0 00 00 08')))).toBe(
      'C0 01 02 03 04 05 06 07 08 90 00',
    );
    expect(os.commands.map((c) => c[1])).toEqual([0x88]); // GET RESPONSE stays in T=0
    // Served once: nothing pending any more.
    expect(hexReply(port.exchange(card, hexBytes('00 C0 00 00 00')))).toBe('6F 00');
  });

  it('GET RESPONSE with Le = 0: 6Cxx while data is pending (kept), 6F00 when not', () => {
    const { card, port } = t0Card();
    expect(hexReply(port.exchange(card, hexBytes('00 C0 00 00 00')))).toBe('6F 00');
    port.exchange(card, hexBytes('00 88 00 00 02'));
    port.exchange(card, hexBytes('11 22'));
    expect(hexReply(port.exchange(card, hexBytes('00 C0 00 00 00')))).toBe('6C 08');
    expect(hexReply(port.exchange(card, hexBytes('00 C0 00 00 08')))).toBe(
      'C0 01 02 03 04 05 06 07 08 90 00',
    );
  });

  it('GET RESPONSE in parts: Le bytes, then 61 with what is left', () => {
    const { card, port } = t0Card();
    port.exchange(card, hexBytes('00 88 00 00 02'));
    port.exchange(card, hexBytes('11 22'));
    expect(hexReply(port.exchange(card, hexBytes('00 C0 00 00 03')))).toBe('C0 01 02 03 61 05');
    expect(hexReply(port.exchange(card, hexBytes('00 C0 00 00 05')))).toBe(
      'C0 04 05 06 07 08 90 00',
    );
  });

  it('GET RESPONSE with Le too long: 6Cxx, or (truncate) the bytes one by one', () => {
    const a = t0Card();
    a.port.exchange(a.card, hexBytes('00 88 00 00 02'));
    a.port.exchange(a.card, hexBytes('11 22'));
    expect(hexReply(a.port.exchange(a.card, hexBytes('00 C0 00 00 10')))).toBe('6C 08');
    const b = t0Card({ t0: { case4: '61xx', wrongLe: 'truncate' } });
    b.port.exchange(b.card, hexBytes('00 88 00 00 02'));
    b.port.exchange(b.card, hexBytes('11 22'));
    expect(hexReply(b.port.exchange(b.card, hexBytes('00 C0 00 00 0A')))).toBe(
      '3F 01 3F 02 3F 03 3F 04 3F 05 3F 06 3F 07 3F 08 90 00',
    );
  });

  it('the pending response is lost at the next command', () => {
    const { card, port, os } = t0Card();
    port.exchange(card, hexBytes('00 88 00 00 02'));
    port.exchange(card, hexBytes('11 22'));
    port.exchange(card, hexBytes('00 B0 00 00 04'));
    expect(hexReply(port.exchange(card, hexBytes('00 C0 00 00 00')))).toBe('6F 00');
    // GET RESPONSE with Le ≠ 0 and nothing pending goes to the COS.
    expect(hexReply(port.exchange(card, hexBytes('00 C0 00 00 08')))).toBe('90 00');
    expect(os.commands.at(-1)?.[1]).toBe(0xc0);
  });

  it('the pending response is lost at a reset', () => {
    const { card, port } = t0Card();
    port.exchange(card, hexBytes('00 88 00 00 02'));
    port.exchange(card, hexBytes('11 22'));
    card.rst(false);
    card.rst(true);
    port.run();
    port.take();
    expect(hexReply(port.exchange(card, hexBytes('00 C0 00 00 00')))).toBe('6F 00');
  });

  it('INS 6X or 9X is answered 6D00 (ISO 7816-3 §10.3.2)', () => {
    const { card, port, os } = t0Card();
    expect(hexReply(port.exchange(card, hexBytes('00 60 00 00 00')))).toBe('6D 00');
    expect(hexReply(port.exchange(card, hexBytes('00 9F 00 00 00')))).toBe('6D 00');
    expect(os.commands).toHaveLength(0);
  });

  it('a COS that throws gets 6F00, never a crash', () => {
    const { card, port, os } = t0Card();
    os.answer = () => {
      throw new Error('bug');
    };
    expect(hexReply(port.exchange(card, hexBytes('00 B0 00 00 04')))).toBe('6F 00');
    os.withData = new Set();
    os.t0CommandHasData = () => {
      throw new Error('bug');
    };
    expect(hexReply(port.exchange(card, hexBytes('00 B0 00 00 04')))).toBe('6F 00');
  });
});

describe('T=0 timing', () => {
  it('answers 16 etu after the leading edge of the last header character at the earliest', () => {
    const { card, port } = t0Card();
    const lastLeadingEdge = port.readerSends(card, hexBytes('00 B0 00 00 04')).lastEdge;
    port.run();
    const reply = port.take();
    expect(reply[0].at - lastLeadingEdge).toBeGreaterThanOrEqual(16 * ETU - 1e-6);
    expect(reply[0].at - lastLeadingEdge).toBeLessThan(17 * ETU);
  });

  it('processing time: the per-INS profile value, else the COS value, else the default', () => {
    const os = new ScriptedOs();
    os.answer = (c) => answer('90 00', c[1] === 0x84 ? 3_000 : 0);
    const { card, port } = powerUp(
      transport({ processingUs: 1_000, processingUsByIns: { CA: 5_000 } }),
      os,
    );
    const timeOf = (header: string): number => {
      const lastEnd = port.readerSends(card, hexBytes(header)).lastReceived;
      port.run();
      return port.take()[0].at - lastEnd;
    };
    expect(timeOf('80 CA 00 00 00')).toBeCloseTo(5_000_000, 0);
    expect(timeOf('00 84 00 00 00')).toBeCloseTo(3_000_000, 0);
    expect(timeOf('00 B0 00 00 00')).toBeCloseTo(1_000_000, 0);
  });

  it('sends NULL bytes every t0NullIntervalEtu while processing takes longer', () => {
    const os = new ScriptedOs();
    os.answer = () => answer('01 02 03 04 05 06 07 08 90 00', 500_000);
    const { card, port } = powerUp(transport({ t0NullIntervalEtu: 1_000 }), os);
    port.exchange(card, hexBytes('00 88 00 00 02'));
    const lastEnd = port.readerSends(card, hexBytes('11 22')).lastReceived;
    port.run();
    const reply = port.take();
    // 500 ms of processing, a NULL every 1000 etu (104.17 ms): 4 NULLs, then 61 08 at 500 ms.
    expect(hexReply(reply)).toBe('60 60 60 60 61 08');
    reply
      .slice(0, 4)
      .forEach((c, i) => expect(c.at - lastEnd).toBeCloseTo((i + 1) * 1_000 * ETU, 0));
    expect(reply[4].at - lastEnd).toBeCloseTo(500_000_000, 0);
    // Never more than WWT (9600 etu) without a character.
    for (let i = 1; i < reply.length; i++)
      expect(reply[i].at - reply[i - 1].at).toBeLessThan(9_600 * ETU);
  });

  it('no NULL bytes when processing is shorter than the interval, or the profile has none', () => {
    const os = new ScriptedOs();
    os.answer = () => answer('90 00', 50_000);
    const a = powerUp(transport({ t0NullIntervalEtu: 1_000 }), os);
    expect(hexReply(a.port.exchange(a.card, hexBytes('00 B0 00 00 00')))).toBe('90 00');
    const os2 = new ScriptedOs();
    os2.answer = () => answer('90 00', 2_000_000);
    const b = powerUp(transport(), os2);
    expect(hexReply(b.port.exchange(b.card, hexBytes('00 B0 00 00 00')))).toBe('90 00');
  });

  it('ignores a header character with a parity error (the reader repeats it)', () => {
    const { card, port } = t0Card();
    // The line corrupted P1; the reader sent it again.
    expect(
      hexReply(port.exchange(card, hexBytes('00 B0 00 00 00 04'), { parityErrors: [2] })),
    ).toBe('B0 11 22 33 44 90 00');
  });

  it('ignores characters while it is processing', () => {
    const os = new ScriptedOs();
    os.answer = () => answer('90 00', 100_000);
    const { card, port } = powerUp(transport(), os);
    port.readerSends(card, hexBytes('00 B0 00 00 00'));
    port.advance(20_000_000);
    port.readerSends(card, hexBytes('FF FF FF'));
    port.run();
    expect(hexReply(port.take())).toBe('90 00');
    expect(hexReply(port.exchange(card, hexBytes('00 B0 00 00 00')))).toBe('90 00');
  });
});
