// Diagnostics (VendorCommand.Diagnostics) reply: TLV counters. Per-slot tags (below
// DIAGNOSTICS_GLOBAL_TAG_MIN) carry u8 slot + u32 count, once per slot; the others a u32.

import { ByteFieldError, checkU8, readU32LE } from '../bytes.ts';
import { DIAGNOSTICS_GLOBAL_TAG_MIN, DiagnosticsTag } from '../native-constants.ts';
import { PayloadWriter } from './cursor.ts';
import {
  type Tlv,
  type TlvRecord,
  decodeTlvRecord,
  decodeTlvs,
  encodeTlvRecord,
  encodeTlvs,
} from './tlv.ts';
import { VendorMessageError } from './vendor-error.ts';

const SLOT_COUNTERS = {
  parityErrors: DiagnosticsTag.SlotParityErrors,
  timeouts: DiagnosticsTag.SlotTimeouts,
  warmResets: DiagnosticsTag.SlotWarmResets,
  t1Retransmissions: DiagnosticsTag.SlotT1Retransmissions,
  t1Resynchs: DiagnosticsTag.SlotT1Resynchs,
  activations: DiagnosticsTag.SlotActivations,
} as const;

export type SlotDiagnostics = { slot: number } & {
  -readonly [K in keyof typeof SLOT_COUNTERS]?: number;
};

const READER_COUNTERS = {
  hostFramesReceived: [DiagnosticsTag.HostFramesReceived, 'u32'],
  hostFrameErrors: [DiagnosticsTag.HostFrameErrors, 'u32'],
  hostNaksSent: [DiagnosticsTag.HostNaksSent, 'u32'],
  hostGarbageBytes: [DiagnosticsTag.HostGarbageBytes, 'u32'],
  uptime: [DiagnosticsTag.Uptime, 'u32'],
} as const;

export type Diagnostics = TlvRecord<typeof READER_COUNTERS> & {
  /** Per-slot counters, in the order the slots first appear. */
  slots: SlotDiagnostics[];
};

export function encodeDiagnostics(d: Diagnostics): Uint8Array {
  const list: Tlv[] = [];
  const seen = new Set<number>();
  for (const s of d.slots) {
    checkU8('slot', s.slot);
    if (seen.has(s.slot)) throw new ByteFieldError('slots', `slot ${s.slot} appears twice`);
    seen.add(s.slot);
    for (const [field, tag] of Object.entries(SLOT_COUNTERS)) {
      const v = (s as Record<string, number | undefined>)[field];
      if (v === undefined) continue;
      list.push({ tag, value: new PayloadWriter().u8('slot', s.slot).u32(field, v).done() });
    }
  }
  for (const t of d.other ?? []) {
    if (t.tag < DIAGNOSTICS_GLOBAL_TAG_MIN && Object.values(SLOT_COUNTERS).includes(t.tag)) {
      throw new ByteFieldError('other', `tag ${t.tag} has a typed field`);
    }
  }
  list.push(...encodeTlvRecord(READER_COUNTERS, d));
  return encodeTlvs(list);
}

export function decodeDiagnostics(payload: Uint8Array): Diagnostics {
  const tlvs = decodeTlvs(payload, 'Diagnostics');
  const slotFields = new Map<number, string>(
    Object.entries(SLOT_COUNTERS).map(([field, tag]) => [tag, field]),
  );
  const slots = new Map<number, SlotDiagnostics>();
  const rest: Tlv[] = [];
  for (const t of tlvs) {
    const field = slotFields.get(t.tag);
    if (field === undefined) {
      rest.push(t);
      continue;
    }
    if (t.value.length !== 5) {
      throw new VendorMessageError(
        'bad-tlv',
        `Diagnostics ${field}: ${t.value.length} bytes, not 5`,
      );
    }
    const slot = t.value[0];
    const entry = slots.get(slot) ?? { slot };
    if ((entry as Record<string, unknown>)[field] !== undefined) {
      throw new VendorMessageError('bad-tlv', `Diagnostics ${field} repeated for slot ${slot}`);
    }
    (entry as Record<string, number>)[field] = readU32LE(t.value, 1);
    slots.set(slot, entry);
  }
  return { ...decodeTlvRecord(READER_COUNTERS, rest, 'Diagnostics'), slots: [...slots.values()] };
}
