// READ BINARY and UPDATE BINARY (ISO/IEC 7816-4 §7.2; kiosk-cards.md §1.5): P1 b8 = 1 → SFI in
// P1 b5..b1 and offset P2; otherwise offset = P1 b7..b1 · 256 + P2. Offset beyond the EF → 6B00.

import { checkAccess, updateData } from '../access.ts';
import type { CardCommand } from '../command-apdu.ts';
import type { CardState } from '../card-state.ts';
import type { EfNode } from '../file-system.ts';
import { reply } from '../reply.ts';
import { SW, swExactLength } from '../../../protocol/iso7816/status-words.ts';
import { targetEf } from './records.ts';

function binaryTarget(state: CardState, cmd: CardCommand): { ef: EfNode; offset: number } | number {
  let ef: EfNode | number;
  let offset: number;
  if (cmd.p1 & 0x80) {
    if (cmd.p1 & 0x60) return SW.WRONG_P1P2;
    ef = targetEf(state, cmd.p1 & 0x1f);
    offset = cmd.p2;
  } else {
    ef = state.currentEf ?? SW.NO_CURRENT_EF;
    offset = (cmd.p1 << 8) | cmd.p2;
  }
  if (typeof ef === 'number') return ef;
  if (ef.structure !== 'transparent') return SW.FILE_STRUCTURE;
  return { ef, offset };
}

export function readBinary(state: CardState, cmd: CardCommand): Uint8Array {
  const t = binaryTarget(state, cmd);
  if (typeof t === 'number') return reply(t);
  const denied = checkAccess(state, t.ef.read);
  if (denied) return reply(denied);
  const size = t.ef.body.length;
  if (t.offset >= size) return reply(SW.WRONG_OFFSET);
  const available = size - t.offset;
  const max = cmd.extended ? 65536 : 256;
  let n: number;
  if (cmd.ne === null || cmd.leWildcard) n = Math.min(available, max);
  else if (cmd.ne > available) return reply(swExactLength(available));
  else n = cmd.ne;
  return reply(SW.OK, t.ef.body.slice(t.offset, t.offset + n));
}

export function updateBinary(state: CardState, cmd: CardCommand): Uint8Array {
  const t = binaryTarget(state, cmd);
  if (typeof t === 'number') return reply(t);
  const data = updateData(state, cmd, t.ef.update);
  if (typeof data === 'number') return reply(data);
  if (data.length === 0) return reply(SW.WRONG_LENGTH);
  if (t.offset >= t.ef.body.length) return reply(SW.WRONG_OFFSET);
  if (t.offset + data.length > t.ef.body.length) return reply(SW.WRONG_LENGTH);
  t.ef.body.set(data, t.offset);
  return reply(SW.OK);
}
