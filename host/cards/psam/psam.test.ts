import { describe, expect, it } from 'vitest';
import { fromHex } from '../../iso7816/hex.ts';
import { CardError } from '../card-error.ts';
import { ScriptChannel } from '../testing/script-channel.ts';
import { SimChannel } from '../testing/sim-channel.ts';
import { PSAM_PERSONAS } from '../../../simulator/profiles/index.ts';
import { Psam } from './psam.ts';

describe('Psam', () => {
  it.each(PSAM_PERSONAS.map((p) => [p.id, p] as const))(
    '%s: terminal number from EF0016, read once',
    async (id, p) => {
      const ch = new SimChannel(`psam:${id}`);
      const psam = new Psam(ch);
      expect(await psam.terminalNumber()).toBe(p.terminalNumber);
      expect(await psam.terminalNumber()).toBe(p.terminalNumber);
      expect(ch.instructions).toEqual(['B0']);
    },
  );
  it('selects EF0016 when the PSAM refuses SFI addressing', async () => {
    const ch = new ScriptChannel('3B00', [
      { command: '00B0960006', answer: '6A86' },
      { command: '00A40200020016', answer: '9000' },
      { command: '00B0000006', answer: '4101008134759000' },
    ]);
    expect(await new Psam(ch).terminalNumber()).toBe('410100813475');
  });
  it('never interleaves two DELIVERY SESSION KEY + CIPHER DATA pairs', async () => {
    const ch = new ScriptChannel('3B00', [
      { command: '80DE03080811111111111111 11', answer: '9000' },
      { command: '80FA0000101111111111111111000000000000000010', answer: 'A'.repeat(32) + '9000' },
      { command: '80DE030A082222222222222222', answer: '9000' },
      { command: '80FA0000102222222222222222000000000000000010', answer: 'B'.repeat(32) + '9000' },
    ]);
    const psam = new Psam(ch);
    const one = fromHex('1111111111111111');
    const two = fromHex('2222222222222222');
    const [a, b] = await Promise.all([
      psam.authenticationData({ p1: 3, keyId: 8, factors: [], processFactor: one }, one, 16),
      psam.authenticationData({ p1: 3, keyId: 0x0a, factors: [], processFactor: two }, two, 16),
    ]);
    expect(a).toEqual(new Uint8Array(8)); // AA… ⊕ AA… = 0
    expect(b).toEqual(new Uint8Array(8));
  });
  it('rejects bad factors before sending anything', async () => {
    const ch = new ScriptChannel('3B00', []);
    const err = await new Psam(ch)
      .authenticationData(
        { p1: 3, keyId: 8, factors: [new Uint8Array(7)], processFactor: new Uint8Array(8) },
        new Uint8Array(8),
        16,
      )
      .catch((e) => e);
    expect(err).toBeInstanceOf(CardError);
    expect(err.code).toBe(-42);
    expect(ch.sent).toEqual([]);
  });
});
