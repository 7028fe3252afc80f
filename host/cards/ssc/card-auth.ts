// The user card's side of authentication (kiosk-cards.md §1.5 and §1.7; S3 Part 5, S2 §9).
import { CardError } from '../card-error.ts';
import type { CardChannel } from '../channel.ts';
import { NationalCode } from '../national-codes.ts';
import { command } from '../transceive.ts';

// Key ids on the card (EXTERNAL AUTHENTICATE P2) and in the PSAM (DELIVERY SESSION KEY P2), S7
// table B: protocol/cards/ssc.ts, under the name the card applications and the bench use.
export { SSC_KEY_IDS as KEY_IDS, type SscKeyName } from '../../../protocol/cards/ssc.ts';

/** GET CHALLENGE `00 84 00 00 08`: 8 bytes are used everywhere (§1.5). */
export async function getChallenge(card: CardChannel): Promise<Uint8Array> {
  const r = await command(
    card,
    { cla: 0x00, ins: 0x84, p1: 0x00, p2: 0x00, ne: 8 },
    { label: 'GET CHALLENGE' },
  );
  if (r.length < 8)
    throw new CardError(NationalCode.CARD_NO_ANSWER, `GET CHALLENGE: ${r.length} bytes`, {
      role: 'card',
    });
  return r.slice(0, 8);
}

/** INTERNAL AUTHENTICATE `00 88 00 00 10 PF ‖ OI` → the card's 8 bytes of authentication data. */
export async function internalAuthenticate(
  card: CardChannel,
  processFactor: Uint8Array,
  originalInfo: Uint8Array,
): Promise<Uint8Array> {
  const data = new Uint8Array(16);
  data.set(processFactor);
  data.set(originalInfo, 8);
  const r = await command(
    card,
    { cla: 0x00, ins: 0x88, p1: 0x00, p2: 0x00, data, ne: 8 },
    { label: 'INTERNAL AUTHENTICATE' },
  );
  if (r.length !== 8)
    throw new CardError(
      NationalCode.INTERNAL_AUTH_FAILED,
      `INTERNAL AUTHENTICATE: ${r.length} bytes, expected 8`,
      { role: 'card' },
    );
  return r;
}

/**
 * EXTERNAL AUTHENTICATE `00 82 00 <keyId> 10 authData ‖ OI`. The card checks authData under the
 * session key from its own last challenge; failure is 63Cx (national −(0x63C0 + x)).
 */
export async function externalAuthenticate(
  card: CardChannel,
  keyId: number,
  authData: Uint8Array,
  originalInfo: Uint8Array,
  keyVersion?: number,
): Promise<void> {
  const data = new Uint8Array(keyVersion === undefined ? 16 : 17);
  data.set(authData);
  data.set(originalInfo, 8);
  if (keyVersion !== undefined) data[16] = keyVersion;
  await command(
    card,
    { cla: 0x00, ins: 0x82, p1: 0x00, p2: keyId, data },
    { label: `EXTERNAL AUTHENTICATE ${keyId.toString(16).toUpperCase().padStart(2, '0')}` },
  );
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
