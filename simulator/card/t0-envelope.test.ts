// ENVELOPE on the card side of T=0: pieces answered 90 00, the empty ENVELOPE runs the whole
// command (data through 61xx and GET RESPONSE), and everything that is no ENVELOPE chain.
import { describe, expect, it } from 'vitest';
import { ScriptedOs, answer, powerUp, transport } from './card-test-kit.ts';
import { bytesOf, hexBytes, hexOf } from './fake-line-port.ts';
import { EnvelopeAssembler, MAX_ENVELOPED_COMMAND } from './t0-envelope.ts';

function t0Card() {
  const os = new ScriptedOs();
  return powerUp(transport({ processingUs: 0 }), os);
}

/** CLA C2 00 00 P3, the ACK, then the piece: the card's answer to the piece. */
function sendPiece(
  card: ReturnType<typeof t0Card>['card'],
  port: ReturnType<typeof t0Card>['port'],
  piece: number[],
  cla = 0x00,
): string {
  const ack = hexOf(bytesOf(port.exchange(card, [cla, 0xc2, 0x00, 0x00, piece.length])));
  expect(ack).toBe('C2');
  return hexOf(bytesOf(port.exchange(card, piece)));
}

/** An extended case 4 command: 00 D6 00 00 00 Lc1 Lc2 data Le1 Le2. */
function extendedCommand(data: number[], le: number): number[] {
  return [
    0x00,
    0xd6,
    0x00,
    0x00,
    0x00,
    data.length >> 8,
    data.length & 0xff,
    ...data,
    le >> 8,
    le & 0xff,
  ];
}

describe('T=0 ENVELOPE (card side)', () => {
  it('pieces get 90 00; the empty ENVELOPE runs the whole command; its data through 61xx', () => {
    const { card, port, os } = t0Card();
    const data = Array.from({ length: 600 }, (_, i) => (i * 7) & 0xff);
    const command = extendedCommand(data, 0x0010);
    os.answer = (c) =>
      c[1] === 0xd6
        ? answer('01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 90 00')
        : answer('6D 00');
    const pieces = [command.slice(0, 255), command.slice(255, 510), command.slice(510)];
    for (const piece of pieces) expect(sendPiece(card, port, piece)).toBe('90 00');
    expect(os.commands).toEqual([]); // nothing runs before the empty ENVELOPE
    expect(hexOf(bytesOf(port.exchange(card, hexBytes('00 C2 00 00 00'))))).toBe('61 10');
    expect(os.commands.map((c) => [...c])).toEqual([command]);
    expect(hexOf(bytesOf(port.exchange(card, hexBytes('00 C0 00 00 10'))))).toBe(
      'C0 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 90 00',
    );
  });

  it('a command without response data: the empty ENVELOPE answers its status word', () => {
    const { card, port, os } = t0Card();
    os.answer = () => answer('6A 82');
    const command = [0x00, 0xa4, 0x04, 0x00, 0x00, 0x01, 0x2c, ...new Array(300).fill(0x41)];
    sendPiece(card, port, command.slice(0, 255));
    sendPiece(card, port, command.slice(255));
    expect(hexOf(bytesOf(port.exchange(card, hexBytes('00 C2 00 00 00'))))).toBe('6A 82');
    expect(os.commands).toHaveLength(1);
    expect(os.commands[0]).toHaveLength(command.length);
  });

  it('the logical channel bits of an interindustry CLA are accepted (CLA 01, 41)', () => {
    for (const cla of [0x01, 0x41]) {
      const { card, port, os } = t0Card();
      expect(sendPiece(card, port, [0x00, 0xb0, 0x00, 0x00], cla)).toBe('90 00');
      port.exchange(card, [cla, 0xc2, 0x00, 0x00, 0x00]);
      expect(os.commands.map((c) => hexOf(c))).toEqual(['00 B0 00 00']);
    }
  });

  it('another command drops an unfinished envelope; an empty ENVELOPE alone goes to the COS', () => {
    const { card, port, os } = t0Card();
    sendPiece(card, port, [0x00, 0xd6, 0x00, 0x00, 0x00, 0x01, 0x00]);
    expect(hexOf(bytesOf(port.exchange(card, hexBytes('00 B0 00 00 00'))))).toBe('90 00');
    os.commands.length = 0;
    os.answer = () => answer('6D 00');
    expect(hexOf(bytesOf(port.exchange(card, hexBytes('00 C2 00 00 00'))))).toBe('6D 00');
    expect(os.commands.map((c) => hexOf(c))).toEqual(['00 C2 00 00']);
  });

  it('a proprietary class C2 (80 C2) is an ordinary command for the COS', () => {
    const { card, port, os } = t0Card();
    os.withData.add(0xc2);
    os.answer = () => answer('90 00');
    sendPiece(card, port, [0xaa, 0xbb], 0x80);
    expect(os.commands.map((c) => hexOf(c))).toEqual(['80 C2 00 00 02 AA BB']);
  });

  it('an enveloped command with 600 bytes of response: GET RESPONSE P3 = 00 gets 256 at a time', () => {
    const { card, port, os } = t0Card();
    const response = Array.from({ length: 600 }, (_, i) => (i * 3) & 0xff);
    os.answer = () => ({ response: Uint8Array.from([...response, 0x90, 0x00]), processingUs: 0 });
    const command = extendedCommand(new Array(300).fill(1), 0);
    expect(sendPiece(card, port, command.slice(0, 255))).toBe('90 00');
    expect(sendPiece(card, port, command.slice(255))).toBe('90 00');
    expect(hexOf(bytesOf(port.exchange(card, hexBytes('00 C2 00 00 00'))))).toBe('61 00');
    const got: number[] = [];
    for (const sw of ['61 00', '61 58']) {
      const r = bytesOf(port.exchange(card, hexBytes('00 C0 00 00 00')));
      expect(r[0]).toBe(0xc0);
      got.push(...r.slice(1, 257));
      expect(hexOf(r.slice(257))).toBe(sw);
    }
    const last = bytesOf(port.exchange(card, hexBytes('00 C0 00 00 58')));
    got.push(...last.slice(1, -2));
    expect(hexOf(last.slice(-2))).toBe('90 00');
    expect(got).toEqual(response);
    // Fewer than 256 pending: Le = 00 is still answered 6Cxx (SSC Part 5 §6.6.4).
    os.answer = () => answer('01 02 03 90 00');
    port.exchange(card, hexBytes('00 A4 00 00 01'));
    expect(hexOf(bytesOf(port.exchange(card, [0x3f])))).toBe('61 03');
    expect(hexOf(bytesOf(port.exchange(card, hexBytes('00 C0 00 00 00'))))).toBe('6C 03');
  });

  it('the assembler refuses a command longer than any C-APDU and starts again empty', () => {
    const a = new EnvelopeAssembler();
    expect(a.append(new Uint8Array(MAX_ENVELOPED_COMMAND - 1))).toBe(true);
    expect(a.append(new Uint8Array(2))).toBe(false);
    expect(a.open).toBe(false);
    expect(a.append(Uint8Array.of(1, 2))).toBe(true);
    expect([...a.take()]).toEqual([1, 2]);
    expect(a.open).toBe(false);
  });
});
