// READ RECORD, UPDATE RECORD, APPEND RECORD (ISO/IEC 7816-4 §7.3; SSC Part 5 §6.10, quoted in
// kiosk-cards.md §1.4). P2 b8..b4 = SFI (0: the current EF); P2 b3..b1: 100 record P1 (P1 = 0:
// the current record), 000/001/010/011 first/last/next/previous record whose identifier — the
// SIMPLE-TLV tag — is P1, 101 records P1..last, 110 records last..P1.

import { concatBytes } from '../../../protocol/bytes.ts';
import { checkAccess, updateData } from '../access.ts';
import type { CardCommand } from '../command-apdu.ts';
import type { CardState } from '../card-state.ts';
import { efBySfi, type EfNode } from '../file-system.ts';
import { reply } from '../reply.ts';
import { SW, swExactLength } from '../../../protocol/iso7816/status-words.ts';
import { parseSimpleTlv } from '../tlv.ts';

/** The EF a record or binary command addresses (SFI 0 = current EF), made current. */
export function targetEf(state: CardState, sfi: number): EfNode | number {
  if (sfi === 0) return state.currentEf ?? SW.NO_CURRENT_EF;
  if (sfi === 31) return SW.WRONG_P1P2;
  const ef = efBySfi(state.currentDf, sfi);
  if (!ef) return SW.FILE_NOT_FOUND;
  if (ef !== state.currentEf) state.selectEf(ef);
  return ef;
}

function recordEf(state: CardState, p2: number): EfNode | number {
  const ef = targetEf(state, p2 >> 3);
  if (typeof ef === 'number') return ef;
  return ef.structure === 'transparent' ? SW.FILE_STRUCTURE : ef;
}

/** 1-based numbers of the records P1/P2 designate, in answer order; or a status word. */
function designate(state: CardState, ef: EfNode, p1: number, mode: number): number[] | number {
  const n = ef.records.length;
  const tagOf = (i: number): number => ef.records[i - 1][0];
  const current = state.recordPointer;
  const from = p1 === 0 ? current : p1;
  switch (mode) {
    case 4:
      return from >= 1 && from <= n ? [from] : SW.RECORD_NOT_FOUND;
    case 0:
    case 1:
    case 2:
    case 3: {
      const order: number[] = [];
      if (mode === 0) for (let i = 1; i <= n; i++) order.push(i);
      if (mode === 1) for (let i = n; i >= 1; i--) order.push(i);
      if (mode === 2) for (let i = current + 1; i <= n; i++) order.push(i);
      if (mode === 3) for (let i = (current || n + 1) - 1; i >= 1; i--) order.push(i);
      const hit = order.find((i) => tagOf(i) === p1);
      return hit === undefined ? SW.RECORD_NOT_FOUND : [hit];
    }
    case 5:
    case 6: {
      if (from < 1 || from > n) return SW.RECORD_NOT_FOUND;
      const out: number[] = [];
      for (let i = from; i <= n; i++) out.push(i);
      return mode === 5 ? out : out.reverse();
    }
    default:
      return SW.WRONG_P1P2;
  }
}

export function readRecord(state: CardState, cmd: CardCommand): Uint8Array {
  const ef = recordEf(state, cmd.p2);
  if (typeof ef === 'number') return reply(ef);
  const denied = checkAccess(state, ef.read);
  if (denied) return reply(denied);
  const numbers = designate(state, ef, cmd.p1, cmd.p2 & 0x07);
  if (typeof numbers === 'number') return reply(numbers);
  const data = concatBytes(numbers.map((i) => ef.records[i - 1]));
  const fits = data.length <= (cmd.extended ? 65536 : 256);
  const rule = ef.parent.leRule;
  // SSC Part 5 §6.10.4: Le must be the exact length; Le = 00 also gets 6Cxx (§6 item 9).
  const le = cmd.ne === null || cmd.leWildcard ? null : cmd.ne;
  const exactWanted = rule === 'exact' && !(cmd.extended && cmd.leWildcard);
  if (
    (le === null && exactWanted) ||
    (le !== null && (exactWanted ? le !== data.length : le < data.length))
  ) {
    return reply(data.length > 256 ? SW.WRONG_LENGTH : swExactLength(data.length));
  }
  if (!fits) return reply(SW.WRONG_LENGTH);
  state.recordPointer = numbers[numbers.length - 1];
  return reply(SW.OK, data);
}

/** A record must be one SIMPLE-TLV object (the SSC and health-card files) and fit the file. */
function checkRecord(ef: EfNode, record: Uint8Array): number {
  if (!parseSimpleTlv(record)) return SW.WRONG_DATA;
  if (record.length > ef.maxRecordLength) return SW.WRONG_LENGTH;
  return 0;
}

export function updateRecord(state: CardState, cmd: CardCommand): Uint8Array {
  const ef = recordEf(state, cmd.p2);
  if (typeof ef === 'number') return reply(ef);
  const mode = cmd.p2 & 0x07;
  if (mode > 4) return reply(SW.WRONG_P1P2);
  const record = updateData(state, cmd, ef.update);
  if (typeof record === 'number') return reply(record);
  const bad = checkRecord(ef, record);
  if (bad) return reply(bad);
  // ISO 7816-4 §7.3.5: on a cyclic file, "previous" with P1 = 0 writes a new record 1.
  if (ef.structure === 'cyclic' && mode === 3 && cmd.p1 === 0) {
    pushCyclic(ef, record);
    state.recordPointer = 1;
    return reply(SW.OK);
  }
  const numbers = designate(state, ef, cmd.p1, mode);
  if (typeof numbers === 'number') return reply(numbers);
  ef.records[numbers[0] - 1] = record.slice();
  state.recordPointer = numbers[0];
  return reply(SW.OK);
}

export function appendRecord(state: CardState, cmd: CardCommand): Uint8Array {
  if (cmd.p1 !== 0 || (cmd.p2 & 0x07) !== 0) return reply(SW.WRONG_P1P2);
  const ef = recordEf(state, cmd.p2);
  if (typeof ef === 'number') return reply(ef);
  const record = updateData(state, cmd, ef.update);
  if (typeof record === 'number') return reply(record);
  const bad = checkRecord(ef, record);
  if (bad) return reply(bad);
  if (ef.structure === 'cyclic') {
    pushCyclic(ef, record);
    state.recordPointer = 1;
    return reply(SW.OK);
  }
  if (ef.records.length >= ef.maxRecords) return reply(SW.NOT_ENOUGH_MEMORY);
  ef.records.push(record.slice());
  state.recordPointer = ef.records.length;
  return reply(SW.OK);
}

/** A cyclic file: the new record is record 1, the oldest falls off. */
function pushCyclic(ef: EfNode, record: Uint8Array): void {
  ef.records.unshift(record.slice());
  if (ef.records.length > ef.maxRecords) ef.records.length = ef.maxRecords;
}
