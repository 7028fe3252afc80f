// SELECT (ISO/IEC 7816-4 §7.1.1; SSC Part 5, kiosk-cards.md §1.5). P1 00 MF/DF/EF by FID (the
// SSC spec wants 02 for an EF, many drivers send 00: both work, §6 item 8), 01 child DF, 02 EF
// under the current DF, 03 parent DF, 04 DF by name (P2 00 first, 02 next occurrence), 08 path
// from the MF, 09 path from the current DF. P2 b4..b3: 00 FCI, 04 FCP, 0C no data.

import type { CardCommand } from '../command-apdu.ts';
import type { CardState } from '../card-state.ts';
import { allDfs, childByFid, isDf, type DfNode, type FileNode } from '../file-system.ts';
import { reply, replyData } from '../reply.ts';
import { SW } from '../../../protocol/iso7816/status-words.ts';
import { berTlv } from '../tlv.ts';

const MF_FID = 0x3f00;

export function select(state: CardState, cmd: CardCommand): Uint8Array {
  const occurrence = cmd.p2 & 0x03;
  const form = cmd.p2 & 0x0c;
  if ((cmd.p2 & 0xf0) !== 0 || occurrence === 0x01 || occurrence === 0x03 || form === 0x08) {
    return reply(SW.WRONG_P1P2);
  }
  if (occurrence === 0x02 && cmd.p1 !== 0x04) return reply(SW.WRONG_P1P2);
  const found = locate(state, cmd, occurrence === 0x02);
  if (typeof found === 'number') return reply(found);
  if (isDf(found)) state.enterDf(found);
  else state.selectEf(found);
  if (form === 0x0c) return reply(SW.OK);
  if (form === 0x04) return replyData(cmd, fcp(found));
  // SSC: an EF answers 9000 without FCI (kiosk-cards.md §1.5, "SELECT EF").
  if (isDf(found) && found.fci) return replyData(cmd, found.fci);
  return reply(SW.OK);
}

function locate(state: CardState, cmd: CardCommand, next: boolean): FileNode | number {
  const data = cmd.data;
  switch (cmd.p1) {
    case 0x00:
      if (data.length === 0) return state.mf;
      if (data.length !== 2) return SW.WRONG_LENGTH;
      return byFidAround(state, fidOf(data, 0)) ?? SW.FILE_NOT_FOUND;
    case 0x01: {
      if (data.length !== 2) return SW.WRONG_LENGTH;
      const c = childByFid(state.currentDf, fidOf(data, 0));
      return c && isDf(c) ? c : SW.FILE_NOT_FOUND;
    }
    case 0x02: {
      if (data.length !== 2) return SW.WRONG_LENGTH;
      const c = childByFid(state.currentDf, fidOf(data, 0));
      return c && !isDf(c) ? c : SW.FILE_NOT_FOUND;
    }
    case 0x03:
      if (data.length !== 0) return SW.WRONG_LENGTH;
      return state.currentDf.parent ?? SW.FILE_NOT_FOUND;
    case 0x04:
      if (data.length === 0) return state.mf;
      if (data.length > 16) return SW.WRONG_LENGTH;
      return byName(state, data, next) ?? SW.FILE_NOT_FOUND;
    case 0x08:
    case 0x09: {
      if (data.length === 0 || data.length % 2 !== 0) return SW.WRONG_LENGTH;
      let at = 0;
      let df: DfNode = cmd.p1 === 0x08 ? state.mf : state.currentDf;
      // A path from the MF may or may not start with 3F00.
      if (cmd.p1 === 0x08 && fidOf(data, 0) === MF_FID) at = 2;
      if (at === data.length) return df;
      for (; at < data.length; at += 2) {
        const c = childByFid(df, fidOf(data, at));
        if (!c) return SW.FILE_NOT_FOUND;
        if (at + 2 === data.length) return c;
        if (!isDf(c)) return SW.FILE_NOT_FOUND;
        df = c;
      }
      return SW.FILE_NOT_FOUND;
    }
    default:
      return SW.WRONG_P1P2;
  }
}

function fidOf(data: Uint8Array, at: number): number {
  return (data[at] << 8) | data[at + 1];
}

/** ISO 7816-4 §7.1.1 P1 = 00: the MF, a child of the current DF, the current DF, its parent or a sibling. */
function byFidAround(state: CardState, fid: number): FileNode | undefined {
  if (fid === MF_FID) return state.mf;
  const df = state.currentDf;
  const child = childByFid(df, fid);
  if (child) return child;
  if (df.fid === fid) return df;
  if (df.parent) {
    if (df.parent.fid === fid) return df.parent;
    const sibling = childByFid(df.parent, fid);
    if (sibling && isDf(sibling)) return sibling;
  }
  return undefined;
}

/** DF names match on their first bytes (a right-truncated name); "next" continues after the current DF. */
function byName(state: CardState, prefix: Uint8Array, next: boolean): DfNode | undefined {
  const matches = allDfs(state.mf).filter((df) => df.name !== null && startsWith(df.name, prefix));
  if (!next) return matches[0];
  const at = matches.indexOf(state.currentDf);
  return at < 0 ? matches[0] : matches[at + 1];
}

function startsWith(name: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > name.length) return false;
  for (let i = 0; i < prefix.length; i++) if (name[i] !== prefix[i]) return false;
  return true;
}

/** ISO 7816-4 §5.3.3 FCP template 62: file id, descriptor, size or SFI, DF name. */
function fcp(node: FileNode): Uint8Array {
  const parts: Uint8Array[] = [];
  if (node.fid !== null) parts.push(berTlv(0x83, Uint8Array.of(node.fid >> 8, node.fid & 0xff)));
  if (isDf(node)) {
    parts.push(berTlv(0x82, Uint8Array.of(0x38)));
    if (node.name) parts.push(berTlv(0x84, node.name));
  } else {
    const descriptor =
      node.structure === 'transparent' ? 0x01 : node.structure === 'linear' ? 0x04 : 0x06;
    parts.push(berTlv(0x82, Uint8Array.of(descriptor)));
    if (node.structure === 'transparent') {
      parts.push(berTlv(0x80, Uint8Array.of(node.body.length >> 8, node.body.length & 0xff)));
    }
    if (node.sfi !== null) parts.push(berTlv(0x88, Uint8Array.of(node.sfi << 3)));
  }
  return berTlv(0x62, ...parts);
}
