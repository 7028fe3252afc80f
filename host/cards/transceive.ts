// One command APDU through a CardChannel, with the ISO 7816-4 follow-ups a TPDU-level reader would
// leave to us: 61xx → GET RESPONSE (§5.1.3, 7816-3 §10.3.4), 6Cxx → the same command with Le = xx.
import {
  encodeCommandApdu,
  parseResponseApdu,
  type CommandApdu,
  type ResponseApdu,
} from '../../protocol/iso7816/apdu.ts';
import { statusWordMeaning, SW } from '../../protocol/iso7816/status-words.ts';
import { INS_GET_RESPONSE, interindustryCla } from '../../protocol/iso7816/t0-transport.ts';
import { CardError, toCardError, type CardRole } from './card-error.ts';
import type { CardChannel } from './channel.ts';
import { NationalCode } from './national-codes.ts';

/** Bound on GET RESPONSE rounds, so that a card answering 61xx forever cannot hang us. */
const MAX_GET_RESPONSE = 64;

export interface TransceiveOptions {
  /** Who is answering, for error messages and codes. */
  role?: CardRole;
  /** What the command does, for error messages, e.g. 'SELECT SSSE'. */
  label?: string;
}

/** Sends `cmd`, follows 61xx and 6Cxx, returns the final data and status word (any status). */
export async function transceive(
  channel: CardChannel,
  cmd: CommandApdu,
  options: TransceiveOptions = {},
): Promise<ResponseApdu> {
  const role = options.role ?? 'card';
  const label = options.label ?? `INS ${cmd.ins.toString(16).toUpperCase()}`;
  let r = await once(channel, cmd, role, label);
  const wrong = statusWordMeaning(r.sw);
  if (wrong.kind === 'wrong-length')
    r = await once(channel, { ...cmd, ne: wrong.available }, role, label);
  if (statusWordMeaning(r.sw).kind !== 'more-data') return r;

  const parts: Uint8Array[] = [r.data];
  for (let round = 0; round < MAX_GET_RESPONSE; round++) {
    const available = statusWordMeaning(r.sw).available!;
    r = await once(
      channel,
      { cla: interindustryCla(cmd.cla), ins: INS_GET_RESPONSE, p1: 0, p2: 0, ne: available },
      role,
      `${label} (GET RESPONSE)`,
    );
    parts.push(r.data);
    if (statusWordMeaning(r.sw).kind !== 'more-data') {
      const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        data.set(p, at);
        at += p.length;
      }
      return { ...r, data };
    }
  }
  throw new CardError(NationalCode.CARD_NO_ANSWER, `${label}: card keeps answering 61xx`, {
    role,
    command: label,
  });
}

/**
 * Sends `cmd` and requires success: 9000, or a 62xx warning with data (ISO 7816-4: 6282 = end of
 * file reached before Ne bytes, i.e. we asked for more than there was). Any other status word
 * becomes a CardError with the national code −SW.
 */
export async function command(
  channel: CardChannel,
  cmd: CommandApdu,
  options: TransceiveOptions = {},
): Promise<Uint8Array> {
  const r = await transceive(channel, cmd, options);
  if (r.sw === SW.OK || (r.sw1 === 0x62 && r.data.length > 0)) return r.data;
  throw CardError.fromStatusWord(
    r.sw,
    options.label ?? `INS ${cmd.ins.toString(16)}`,
    options.role,
  );
}

async function once(
  channel: CardChannel,
  cmd: CommandApdu,
  role: CardRole,
  label: string,
): Promise<ResponseApdu> {
  const apdu = encodeCommandApdu(cmd);
  let answer: Uint8Array;
  try {
    answer = await channel.transmit(apdu);
  } catch (e) {
    throw toCardError(e, role);
  }
  if (!(answer instanceof Uint8Array) || answer.length < 2)
    throw new CardError(NationalCode.CARD_NO_ANSWER, `${label}: answer without a status word`, {
      role,
      command: label,
    });
  return parseResponseApdu(answer);
}
