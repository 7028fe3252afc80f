// The CLI in process against the embedded simulated reader (firmware.wasm, virtual cards).
import { describe, expect, it } from 'vitest';
import {
  SSC3_PERSONAS,
  PSAM_PERSONAS,
  HEALTH_PERSONAS,
} from '../../simulator/profiles/personas.ts';
import { run } from './program.ts';

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await run(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

const terminalNumber = PSAM_PERSONAS[0].terminalNumber;

describe('kiosk-reader ssc read --sim', () => {
  for (const p of SSC3_PERSONAS) {
    it(`prints ${p.id}'s data as JSON and as the national 11-field string`, async () => {
      const json = await cli(
        'ssc',
        'read',
        '--sim',
        '--card',
        `ssc3:${p.id}`,
        '--sam',
        'psam',
        '--format',
        'json',
      );
      expect(json.err).toBe('');
      expect(json.code).toBe(0);
      const data = JSON.parse(json.out);
      expect(data).toMatchObject({
        socialSecurityNumber: p.ssn,
        name: p.name,
        cardNumber: p.cardNo,
        cardId: p.cardId,
        historicalBytes: p.historicalBytes,
        specVersion: p.specVersion,
        issueDate: p.issueDate,
        expiryDate: p.expiryDate,
        terminalNumber,
        authentication: 'psam',
      });
      const national = await cli(
        'ssc',
        'read',
        '--sim',
        '--card',
        `ssc3:${p.id}`,
        '--sam',
        'psam',
        '--format',
        'national',
      );
      expect(national.code).toBe(0);
      expect(national.out).toBe(
        `${[data.regionCode, p.ssn, p.cardNo, p.cardId, p.name, p.historicalBytes, p.specVersion, p.issueDate, p.expiryDate, terminalNumber, ''].join('|')}|\n`,
      );
    });
  }

  it('without a PSAM (and no HSM) fails with −2201 无PSAM卡', async () => {
    const r = await cli(
      'ssc',
      'read',
      '--sim',
      '--card',
      'ssc3',
      '--sam',
      'none',
      '--format',
      'national',
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error -2201: 无PSAM卡/);
  });

  it('fails with a national code when the card is not a social security card', async () => {
    const r = await cli('ssc', 'read', '--sim', '--card', 'atr:3B021450', '--format', 'national');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^error -?\d+: /);
  });
});

describe('kiosk-reader other commands --sim', () => {
  it('readers: the simulated reader in the native profile with its slots', async () => {
    const r = await cli('readers', '--sim', '--format', 'json');
    expect(r.code).toBe(0);
    const [reader] = JSON.parse(r.out);
    expect(reader).toMatchObject({ path: 'sim:embedded', state: 'attached', profile: 'native' });
    expect(reader.slots.map((s: { present: boolean }) => s.present)).toEqual([true, true, false]);
  });

  it('health read and bank read print the persona’s data', async () => {
    const h = HEALTH_PERSONAS[0];
    const health = await cli(
      'health',
      'read',
      '--sim',
      '--card',
      `health:${h.id}`,
      '--sam',
      'psam',
    );
    expect(health.code).toBe(0);
    expect(JSON.parse(health.out).holder).toMatchObject({ name: h.name });
    const p = SSC3_PERSONAS[0];
    const bank = await cli('bank', 'read', '--sim', '--card', `ssc3:${p.id}`);
    expect(bank.code).toBe(0);
    expect(JSON.parse(bank.out)).toMatchObject({ pan: p.bank.pan });
  });

  it('apdu: sends APDUs in one transaction, with a trace', async () => {
    // VERIFY without data asks for the tries left; it carries no PIN and is allowed.
    const r = await cli('apdu', '--sim', '--card', 'ssc3', '--trace', '00A4040000', '00200000');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^ATR 3B /);
    expect(lines).toHaveLength(3);
    expect(r.err).toMatch(/→ XfrBlock slot 0 seq \d+ 00 A4 04 00 00/);
    expect(r.err).toMatch(/→ XfrBlock slot 0 seq \d+ 00 20 00 00/);
  });

  it('apdu: refuses an APDU that carries a PIN typed on the PC, without echoing it', async () => {
    for (const pinApdu of [
      '0020000003313233',
      '0021008106313233343536',
      '00C2000008002000000331323300',
    ]) {
      const r = await cli('apdu', '--sim', '--card', 'ssc3', '--trace', '00A4040000', pinApdu);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/APDU 2: carries PIN data/);
      expect(r.out + r.err).not.toMatch(/313233|31 32 33/);
    }
  });
});

describe('kiosk-reader errors', () => {
  it('usage errors exit 2 with a message', async () => {
    expect((await cli('frobnicate')).code).toBe(2);
    const both = await cli('readers', '--sim', '--port', '/dev/ttyX');
    expect(both).toMatchObject({ code: 2 });
    expect(both.err).toMatch(/exclude each other/);
    const hex = await cli('apdu', '--sim', 'zz');
    expect(hex.code).toBe(2);
    expect(hex.err).toMatch(/APDU "zz"/);
    const card = await cli('ssc', 'read', '--sim', '--card', 'nonsense');
    expect(card.code).toBe(2);
    expect((await cli('ssc', 'read', '--card', 'ssc3')).code).toBe(2);
  });

  it('a port that does not exist exits 3', async () => {
    const r = await cli('readers', '--port', '/dev/does-not-exist-kiosk', '--wait', '300');
    expect(r.code).toBe(3);
  });

  it('--help documents the commands and exits 0', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    for (const c of [
      'readers',
      'watch',
      'ssc',
      'health',
      'bank',
      'apdu',
      '--port',
      '--sim',
      'Exit status',
    ]) {
      expect(r.out).toContain(c);
    }
  });
});
