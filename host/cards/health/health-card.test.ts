import { describe, expect, it } from 'vitest';
import { HEALTH_PERSONAS, type HealthPersona } from '../../../simulator/profiles/index.ts';
import { CardError } from '../card-error.ts';
import { Psam } from '../psam/psam.ts';
import { SimChannel } from '../testing/sim-channel.ts';
import { readHealthCard } from './health-card.ts';

/** The card stores "unset" 1-byte codes as FF; the driver reports them as ''. */
const code = (v: string): string => (v === 'FF' ? '' : v);

function contactsOf(p: HealthPersona) {
  return [
    { name: p.contact1Name, relation: code(p.contact1Relation), phone: p.contact1Phone },
    { name: p.contact2Name, relation: code(p.contact2Relation), phone: p.contact2Phone },
    { name: p.contact3Name, relation: code(p.contact3Relation), phone: p.contact3Phone },
  ].filter((c) => c.name || c.phone);
}

describe('readHealthCard', () => {
  it.each(HEALTH_PERSONAS.map((p) => [p.id, p] as const))(
    '%s: every item equals the persona',
    async (id, p) => {
      const card = new SimChannel(`health:${id}`);
      const psam = new SimChannel('psam');
      const data = await readHealthCard(card, {
        psam: new Psam(psam),
        include: { contacts: true, addresses: true, clinical: true },
      });
      expect(data.issuer).toEqual({
        cardType: p.cardType,
        specVersion: p.specVersion,
        issuerName: p.issuerName,
        issuerCode: p.issuerCode,
        issueDate: p.issueDate,
        cardNumber: p.cardNo,
        securityCode: p.securityCode,
        chipSerial: p.chipSerial,
        cityCode: p.cityCode,
      });
      expect(data.holder).toEqual({
        name: p.name,
        sex: p.sex,
        ethnicity: p.ethnicity,
        birthDate: p.birthDate,
        idNumber: p.idNumber,
        expiryDate: p.expiryDate,
        phone1: p.phone1,
        phone2: p.phone2,
        paymentMethods: [code(p.payment1), code(p.payment2), code(p.payment3)],
      });
      expect(data.contacts).toEqual(contactsOf(p));
      expect(data.addresses).toEqual(
        [
          { type: code(p.addressType1), address: p.address1 },
          { type: code(p.addressType2), address: p.address2 },
        ].filter((a) => a.address),
      );
      const w = p.warningFlags;
      expect(data.clinical).toEqual({
        abo: {
          code: p.abo,
          label: { '01': 'A', '02': 'B', '03': 'O', '04': 'AB' }[p.abo] ?? 'unknown',
        },
        rh: { code: p.rh, label: { '1': 'negative', '2': 'positive' }[p.rh] ?? 'unknown' },
        warnings: Object.fromEntries(Object.entries(w).map(([k, v]) => [k, v === '01'])),
        otherWarnings: p.otherWarnings,
      });
      // One SELECT per DF, EF05 in two ranges + its first four items, whole files otherwise,
      // one GET CHALLENGE + EXTERNAL AUTHENTICATE per DF.
      expect(card.instructions).toEqual([
        'A4',
        'B2',
        'B2',
        'B2',
        'B2',
        'B2', // DDF1, EF05 records 6…, 01 02 03 04
        '84',
        '82',
        'B2',
        'B2', // unlock DDF1, EF06, EF08
        'A4',
        '84',
        '82',
        'B2',
        'B2', // DF01: addresses, contacts
        'A4',
        '84',
        '82',
        'B2',
        'B2', // DF02: flags, other warnings
      ]);
      expect(psam.instructions).toEqual(['DE', 'FA', 'DE', 'FA', 'DE', 'FA']);
    },
  );

  it('reads only the holder data when asked', async () => {
    const card = new SimChannel('health');
    const data = await readHealthCard(card, {
      psam: new Psam(new SimChannel('psam')),
      include: { contacts: false, clinical: false },
    });
    expect(data.contacts).toBeUndefined();
    expect(data.clinical).toBeUndefined();
    expect(card.instructions.filter((i) => i === 'A4')).toHaveLength(1);
  });

  it('needs a PSAM for holder data: −2201', async () => {
    const err = await readHealthCard(new SimChannel('health')).catch((e) => e);
    expect(err).toBeInstanceOf(CardError);
    expect(err.code).toBe(-2201);
  });

  it('is not fooled by a social security card', async () => {
    const err = await readHealthCard(new SimChannel('ssc3'), {
      psam: new Psam(new SimChannel('psam')),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(CardError);
    expect(err.code).toBe(-1);
    expect(err.message).toMatch(/not a resident health card/);
  });
});
