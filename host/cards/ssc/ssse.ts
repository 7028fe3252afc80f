// The SSSE application: the SELECT that finds it by name (protocol/cards/ssc.ts), and what its FCI says
// (kiosk-cards.md §1.2 and §1.5; S4 table 1, S7 §10.1).
import { SSSE_AID } from '../../../protocol/cards/ssc.ts';
import { findBerPath, findBerTlv, parseBerTlvs, type BerTlv } from '../../iso7816/ber-tlv.ts';
import { Iso7816FormatError } from '../../../protocol/iso7816/format-error.ts';
import { SW } from '../../../protocol/iso7816/status-words.ts';
import { fromHex } from '../../iso7816/hex.ts';
import { CardError } from '../card-error.ts';
import type { CardChannel } from '../channel.ts';
import { NationalCode } from '../national-codes.ts';
import { transceive, type TransceiveOptions } from '../transceive.ts';
import { algorithmOfId, type SscAlgorithm } from './algorithm.ts';

export interface SsseFci {
  /** Algorithm from tag 86 inside 9F0C; undefined when the card has no 9F0C (S7 §10.1 default). */
  algorithm: SscAlgorithm | undefined;
  /** Raw 算法标识 byte, when present. */
  algorithmId: number | undefined;
}

/** Reads 6F → A5 → 9F0C → 86 (the trace's FCI: `6F1C 840F… A509 8801 1E 9F0C03 860103`). */
export function parseSsseFci(fci: Uint8Array): SsseFci {
  if (fci.length === 0) return { algorithm: undefined, algorithmId: undefined };
  let nodes: BerTlv[];
  try {
    nodes = parseBerTlvs(fci);
  } catch (e) {
    if (e instanceof Iso7816FormatError)
      throw new CardError(NationalCode.WRONG_CARD_TYPE, `SSSE FCI is not BER-TLV: ${e.message}`, {
        cause: e,
      });
    throw e;
  }
  const issuer = findBerPath(nodes, [0x6f, 0xa5, 0x9f0c]) ?? findBerTlv(nodes, 0x9f0c);
  if (!issuer) return { algorithm: undefined, algorithmId: undefined };
  // 9F0C is a primitive tag by its bits, but the SSC puts a TLV (86 01 xx) inside it.
  let inner: BerTlv[] = [];
  try {
    inner = parseBerTlvs(issuer.value);
  } catch {
    inner = [];
  }
  const alg = findBerTlv(inner, 0x86);
  if (!alg || alg.value.length !== 1) return { algorithm: undefined, algorithmId: undefined };
  return { algorithm: algorithmOfId(alg.value[0]), algorithmId: alg.value[0] };
}

/**
 * SELECT SSSE by name (`00 A4 04 00 0F <AID> 00`). A card without SSSE is not a social security
 * card: −1 卡类型不对 (the ATR alone cannot tell an SSC from a bank card, §1.1).
 */
export async function selectSsse(
  channel: CardChannel,
  options: TransceiveOptions = {},
): Promise<SsseFci> {
  const label = 'SELECT SSSE';
  const r = await transceive(
    channel,
    { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(SSSE_AID), ne: 256 },
    { ...options, label },
  );
  if (
    r.sw === SW.FILE_NOT_FOUND ||
    r.sw === SW.FUNCTION_NOT_SUPPORTED ||
    r.sw === SW.INS_NOT_SUPPORTED ||
    r.sw === SW.CLA_NOT_SUPPORTED
  )
    throw new CardError(
      NationalCode.WRONG_CARD_TYPE,
      `${label}: no SSSE application (${r.sw.toString(16).toUpperCase()}); not a social security card`,
      {
        role: 'card',
        sw: r.sw,
        command: label,
      },
    );
  if (r.sw !== SW.OK) throw CardError.fromStatusWord(r.sw, label);
  return parseSsseFci(r.data);
}
