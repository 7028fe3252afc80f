import { describe, expect, it } from 'vitest';
import { SSC2_PERSONAS, SSC3_PERSONAS } from '../../../simulator/profiles/index.ts';
import { CardError } from '../card-error.ts';
import { ScriptChannel } from '../testing/script-channel.ts';
import { SimChannel } from '../testing/sim-channel.ts';
import { readBankCard } from './bank-card.ts';
import { buildDolData, parseDol } from './dol.ts';
import { fromHex, toHex } from '../../iso7816/hex.ts';
import { Iso7816FormatError } from '../../../protocol/iso7816/format-error.ts';

const fixed = (n: number): Uint8Array => new Uint8Array(n).fill(0x11);

describe('readBankCard on the social security cards', () => {
  const all = [
    ...SSC3_PERSONAS.map((p) => [`ssc3:${p.id}`, p] as const),
    ...SSC2_PERSONAS.map((p) => [`ssc2:${p.id}`, p] as const),
  ];
  it.each(all)('%s: number, expiry and holder equal the persona', async (spec, p) => {
    const card = new SimChannel(spec);
    const data = await readBankCard(card, { random: fixed });
    expect(data).toEqual({
      aid: 'A000000333010101',
      pan: p.bank.pan,
      panSource: '5A',
      expiry: p.bank.expiry,
      holderName: p.bank.holder,
      panSequenceNumber: p.bank.psn,
    });
    // SELECT AID, GPO, then the AFL records until 5A, 5F24 and 5F20 are in: 2 of the 3.
    expect(card.instructions).toEqual(['A4', 'A8', 'B2', 'B2']);
    expect(card.log[1].command).toBe('80A800000B8309' + '00' + '000000000000' + '0156' + '00');
  });
});

describe('readBankCard edge cases', () => {
  it('falls back to 57 when there is no 5A, and to the PSE when no UnionPay AID answers', async () => {
    const card = new ScriptChannel('3B6D000000814D22088660200811000001', [
      { command: '00A4040008A00000033301010100', answer: '6A82' },
      { command: '00A4040008A00000033301010200', answer: '6A82' },
      { command: '00A4040008A00000033301010300', answer: '6A82' },
      {
        command: '00A404000E315041592E5359532E444446303100',
        answer: '6F10840E315041592E5359532E4444463031A5038801019000',
      },
      { command: '00B2010C00', answer: '701261104F08A00000033301019950044341524487010190 00' },
      { command: '00B2020C00', answer: '6A83' },
      { command: '00A4040008A00000033301019900', answer: '6F0A8408A0000003330101999000' },
      { command: '80A8000002830000', answer: '800A7C00080101001001020090 00' },
      { command: '00B2010C00', answer: '7013571162284800123456789D31032200000000009000' },
      { command: '00B2011400', answer: '70045F20000000' + '9000' },
      { command: '00B2021400', answer: '7000' + '9000' },
    ]);
    const data = await readBankCard(card, { random: fixed });
    expect(data).toMatchObject({
      aid: 'A000000333010199',
      pan: '62284800123456789',
      panSource: '57',
      expiry: '3103',
      holderName: '',
    });
    expect(card.remaining).toEqual([]);
  });

  it('says −1 for a card without any bank application', async () => {
    const card = new ScriptChannel('3B6D000000814D22088660200811000001', [
      { command: '00A4040008A00000033301010100', answer: '6A82' },
      { command: '00A4040008A00000033301010200', answer: '6A82' },
      { command: '00A4040008A00000033301010300', answer: '6A82' },
      { command: '00A404000E315041592E5359532E444446303100', answer: '6A82' },
    ]);
    const err = await readBankCard(card).catch((e) => e);
    expect(err).toBeInstanceOf(CardError);
    expect(err.code).toBe(-1);
  });

  it('rejects a malformed AFL with a typed error', async () => {
    const card = new ScriptChannel('3B6D0000', [
      { command: '00A4040008A00000033301010100', answer: '6F0A8408A0000003330101019000' },
      { command: '80A8000002830000', answer: '8006 7C00 00010100 9000' },
    ]);
    const err = await readBankCard(card).catch((e) => e);
    expect(err).toBeInstanceOf(CardError);
    expect(err.message).toMatch(/AFL entry/);
  });
});

describe('DOL', () => {
  it('fills the PDOL the way the kiosk code does (§4)', () => {
    const dol = parseDol(fromHex('9F7A019F02065F2A02'));
    expect(dol).toEqual([
      { tag: 0x9f7a, length: 1 },
      { tag: 0x9f02, length: 6 },
      { tag: 0x5f2a, length: 2 },
    ]);
    expect(toHex(buildDolData(dol, new Map([[0x5f2a, Uint8Array.of(1, 0x56)]])))).toBe(
      '000000000000000156',
    );
  });
  it('rejects truncated lists', () => {
    expect(() => parseDol(fromHex('9F'))).toThrow(Iso7816FormatError);
    expect(() => parseDol(fromHex('9F7A'))).toThrow(Iso7816FormatError);
  });
});
