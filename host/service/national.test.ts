// The health-card interface's codes for a failed read (healthCodeOf): by role, then by the card's
// status word, named from protocol/iso7816/status-words.ts.
import { describe, expect, it } from 'vitest';
import { CardError } from '../cards/card-error.ts';
import { NationalCode } from '../cards/national-codes.ts';
import { SW, swTriesLeft } from '../../protocol/iso7816/status-words.ts';
import { ServiceError } from './errors.ts';
import { HealthCode, healthCodeOf } from './national.ts';

const sw = (word: number, command = 'SELECT', role: 'card' | 'psam' = 'card') =>
  CardError.fromStatusWord(word, command, role);

describe('healthCodeOf', () => {
  it('maps status words to the interface codes', () => {
    expect(healthCodeOf(sw(SW.FILE_NOT_FOUND))).toBe(HealthCode.NO_FILE);
    expect(healthCodeOf(sw(SW.RECORD_NOT_FOUND))).toBe(HealthCode.READ_RECORD);
    expect(healthCodeOf(sw(SW.WRONG_P1P2, 'READ RECORD'))).toBe(HealthCode.READ_RECORD);
    for (const word of [swTriesLeft(2), swTriesLeft(0), SW.SECURITY_NOT_SATISFIED, 0x6300])
      expect(healthCodeOf(sw(word, 'EXTERNAL AUTHENTICATE')), word.toString(16)).toBe(
        HealthCode.AUTHENTICATION,
      );
    expect(healthCodeOf(sw(SW.CONDITIONS_NOT_SATISFIED))).toBe(HealthCode.CARD);
    expect(healthCodeOf(sw(SW.FILE_NOT_FOUND, 'SELECT', 'psam'))).toBe(HealthCode.PSAM);
  });

  it('by role and code before the status word', () => {
    expect(
      healthCodeOf(CardError.named(NationalCode.BAD_PARAMETERS, 'x', { role: 'caller' })),
    ).toBe(HealthCode.PARAMETER);
    expect(healthCodeOf(CardError.named(NationalCode.NO_PSAM))).toBe(HealthCode.PSAM);
    expect(healthCodeOf(CardError.named(NationalCode.INTERNAL_AUTH_FAILED))).toBe(
      HealthCode.AUTHENTICATION,
    );
    expect(() => healthCodeOf(new ServiceError(409, 'reader-busy', 'busy'))).toThrow(ServiceError);
  });
});
