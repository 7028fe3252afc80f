// Builds secure-messaging commands (KEYS.md §5) for tests of protected updates: the MAC over the
// header and data under SMK = SK(card key, the card's challenge).

import { concatBytes, fromHex, toHex } from '../../../protocol/bytes.ts';
import type { ApduProcessor } from '../../card/contract.ts';
import { sendOk } from '../../profiles/card-harness.ts';
import { sscCardKey, type KeyName } from '../../profiles/keys.ts';
import { mac, sessionKey, type CardAlgorithm } from '../crypto.ts';

/** GET CHALLENGE on `os`, then `header(4) ‖ Lc ‖ data ‖ MAC` for the key of the 卡识别码. */
export function smCommand(
  os: ApduProcessor,
  header: string,
  data: string,
  key: { name: KeyName; alg: CardAlgorithm; cardId: string },
): string {
  const challenge = fromHex(sendOk(os, '0084000008'));
  const smk = sessionKey(key.alg, sscCardKey(key.name, key.alg, key.cardId), challenge);
  const body = fromHex(data);
  const head = concatBytes([fromHex(header), Uint8Array.of(body.length + 4)]);
  return toHex(concatBytes([head, body, mac(key.alg, smk, concatBytes([head, body]))])).replace(
    / /g,
    '',
  );
}
