// Extended APDUs end to end in the simulator (native profile, APDU level): over T=0 the firmware
// carries a command with more than 255 data bytes in ENVELOPE pieces and the card side
// reassembles it (simulator/card/t0-envelope.ts); over T=1 it goes in chained I-blocks. The card
// operating system must see the very same command either way, and the answer must come back.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CommandStatus, MAX_APDU_DATA, RdrToPc } from '../../../protocol/index.ts';
import { parseCommandApdu } from '../../../protocol/iso7816/apdu.ts';
import type { ApduProcessor, ApduResult } from '../../../simulator/card/contract.ts';
import { VirtualCard } from '../../../simulator/card/virtual-card.ts';
import { resolveCardSpec } from '../../../simulator/profiles/index.ts';
import { bench, hex } from './e2e-kit.ts';

/** The file INS B0 reads: MAX_APDU_DATA bytes 00 01 02 … (16 short responses' worth). */
const FILE = Array.from({ length: MAX_APDU_DATA }, (_, i) => (i * 7) & 0xff);

/**
 * A card operating system for length tests: every command is recorded; INS D6 (data in)
 * answers the SHA-256 of its data field, cut to Ne (nothing without Le); INS B0 answers the
 * whole FILE (over T=0 the card side then sends 256 bytes and 61xx for the rest);
 * everything with 90 00, a malformed command with 67 00.
 */
class DigestOs implements ApduProcessor {
  readonly commands: Uint8Array[] = [];
  reset(): void {}
  process(command: Uint8Array): ApduResult {
    this.commands.push(command.slice());
    const ok = [0x90, 0x00];
    let c;
    try {
      c = parseCommandApdu(command);
    } catch {
      return { response: Uint8Array.of(0x67, 0x00), processingUs: 500 };
    }
    if (c.ins === 0xd6) {
      const digest = [...createHash('sha256').update(c.data).digest()];
      const n = c.ne === undefined ? 0 : Math.min(c.ne, digest.length);
      return { response: Uint8Array.from([...digest.slice(0, n), ...ok]), processingUs: 500 };
    }
    if (c.ins === 0xb0) return { response: Uint8Array.from([...FILE, ...ok]), processingUs: 500 };
    return { response: Uint8Array.from(ok), processingUs: 500 };
  }
  t0CommandHasData(_cla: number, ins: number): boolean {
    return ins === 0xd6;
  }
}

const pattern = (n: number, seed = 1) =>
  Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const sha = (data: number[]) => [...createHash('sha256').update(Uint8Array.from(data)).digest()];

/** A card with the transport of `spec` (T=0: ssc3, T=1: ssc3-t1) and the DigestOs. */
function digestCard(spec: 'ssc3' | 'ssc3-t1') {
  const os = new DigestOs();
  return { os, card: new VirtualCard(resolveCardSpec(spec).transport, os) };
}

describe('extended APDUs end to end (native)', () => {
  for (const spec of ['ssc3', 'ssc3-t1'] as const) {
    const t = spec === 'ssc3' ? 'T=0 (ENVELOPE)' : 'T=1 (chained I-blocks)';

    it(`${t}: case 3E with ${MAX_APDU_DATA} data bytes reaches the card whole`, async () => {
      const { os, card } = digestCard(spec);
      const b = await bench([card], { profile: 'native' });
      try {
        expect(await b.host.powerOn(0)).toMatchObject({ commandStatus: CommandStatus.Ok });
        const command = [0x00, 0xd6, 0x00, 0x00, 0x00, 0x10, 0x00, ...pattern(MAX_APDU_DATA)];
        const a = await b.host.apdu(0, command);
        expect(a).toMatchObject({ type: RdrToPc.DataBlock, commandStatus: CommandStatus.Ok });
        expect(hex((a as { data: Uint8Array }).data)).toBe('90 00');
        expect(os.commands.map((c) => hex(c))).toEqual([hex(command)]);
        const trace = b.sim.trace!.text();
        if (spec === 'ssc3') {
          // 4103 bytes: 16 pieces of 255 and one of 23, then the empty ENVELOPE.
          expect(trace.match(/slot0 {2}R>C 00 C2 00 00 FF/g)).toHaveLength(16);
          expect(trace).toMatch(/slot0 {2}R>C 00 C2 00 00 17/);
          expect(trace).toMatch(/slot0 {2}R>C 00 C2 00 00 00/);
        } else {
          expect(trace).not.toMatch(/ C2 00 00 /);
        }
        expect(b.sim.reader.panics).toEqual([]);
      } finally {
        await b.stop();
      }
    });

    it(`${t}: case 4E — 1000 bytes in, the digest (Ne 32) back`, async () => {
      const { os, card } = digestCard(spec);
      const b = await bench([card], { profile: 'native' });
      try {
        await b.host.powerOn(0);
        const data = pattern(1000, 7);
        const command = [0x00, 0xd6, 0x00, 0x00, 0x00, 0x03, 0xe8, ...data, 0x00, 0x20];
        const a = await b.host.apdu(0, command);
        expect(hex((a as { data: Uint8Array }).data)).toBe(hex([...sha(data), 0x90, 0x00]));
        // Over T=0 the card gets the command as sent, Le included, from the envelope.
        expect(os.commands.map((c) => hex(c))).toEqual([hex(command)]);
      } finally {
        await b.stop();
      }
    });

    it(`${t}: case 2E — ${MAX_APDU_DATA} bytes out`, async () => {
      const { card } = digestCard(spec);
      const b = await bench([card], { profile: 'native' });
      try {
        await b.host.powerOn(0);
        const a = await b.host.apdu(0, [0x00, 0xb0, 0x00, 0x00, 0x00, 0x10, 0x00]);
        expect(hex((a as { data: Uint8Array }).data)).toBe(hex([...FILE, 0x90, 0x00]));
      } finally {
        await b.stop();
      }
    });
  }

  it('T=0: a short command between ENVELOPE chains is not mixed into them', async () => {
    const { os, card } = digestCard('ssc3');
    const b = await bench([card], { profile: 'native' });
    try {
      await b.host.powerOn(0);
      const big = [0x00, 0xd6, 0x00, 0x00, 0x00, 0x01, 0x2c, ...pattern(300, 3)];
      expect(hex(((await b.host.apdu(0, big)) as { data: Uint8Array }).data)).toBe('90 00');
      expect(
        hex(((await b.host.apdu(0, [0x00, 0xa4, 0x00, 0x00])) as { data: Uint8Array }).data),
      ).toBe('90 00');
      expect(hex(((await b.host.apdu(0, big)) as { data: Uint8Array }).data)).toBe('90 00');
      // Case 1 goes as CLA INS P1 P2 00 over T=0 (ISO 7816-3 §12.2.2).
      expect(os.commands.map((c) => hex(c))).toEqual([hex(big), '00 A4 00 00 00', hex(big)]);
    } finally {
      await b.stop();
    }
  });
});
