// Reading a whole record file in one command: READ RECORD P1 = 01, P2 = SFI·8 + 5 ("all records
// from P1 to the last", kiosk-cards.md §1.4; S3 Part 5 §6.10). No SELECT of the EF is needed.
import { SW } from '../../../protocol/iso7816/status-words.ts';
import { CardError } from '../card-error.ts';
import type { CardChannel } from '../channel.ts';
import { command, transceive } from '../transceive.ts';

/** READ RECORD P2 b3..b1 = 101: records P1 … last. */
const ALL_FROM_P1 = 0b101;

/**
 * The records of EF `fid` (whose SFI is its low byte, e.g. EF05 → 5) in one READ RECORD. `ne` is
 * the length we expect (a wrong guess costs one 6Cxx retry, never a wrong result). A card that
 * refuses SFI addressing gets one SELECT EF and the same read on the current EF.
 */
export async function readRecordFile(
  channel: CardChannel,
  fid: number,
  ne: number,
  name = efName(fid),
): Promise<Uint8Array> {
  const sfi = fid & 0xff;
  const label = `READ RECORD ${name}`;
  const cmd = { cla: 0x00, ins: 0xb2, p1: 0x01, p2: (sfi << 3) | ALL_FROM_P1, ne };
  const r = sfi >= 1 && sfi <= 30 ? await transceive(channel, cmd, { label }) : undefined;
  if (r && (r.sw === SW.OK || (r.sw1 === 0x62 && r.data.length > 0))) return r.data;
  if (
    r &&
    r.sw !== SW.WRONG_P1P2 &&
    r.sw !== SW.FUNCTION_NOT_SUPPORTED &&
    r.sw !== SW.FILE_STRUCTURE &&
    r.sw !== SW.FILE_NOT_FOUND
  )
    throw CardError.fromStatusWord(r.sw, label);
  await selectEf(channel, fid, name);
  return command(channel, { ...cmd, p2: ALL_FROM_P1 }, { label });
}

/** SELECT EF by FID under the current DF (P1 = 02, the spec form; §1.5). */
export async function selectEf(
  channel: CardChannel,
  fid: number,
  name = efName(fid),
): Promise<void> {
  await command(
    channel,
    { cla: 0x00, ins: 0xa4, p1: 0x02, p2: 0x00, data: Uint8Array.of(fid >> 8, fid & 0xff) },
    { label: `SELECT ${name}` },
  );
}

function efName(fid: number): string {
  return fid.toString(16).toUpperCase().padStart(4, '0');
}
