// `--trace`: the CCID messages between driver and reader, one line each on stderr, with the data
// of PIN commands (VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, the SSC's 80 5E) masked.
// Our PIN never crosses the link (it goes from the keypad to the card inside the reader), but a
// caller may still send a plain VERIFY with `apdu`.
import { PcToRdr, RdrToPc } from '../../protocol/ccid-constants.ts';
import type { CcidMessage } from '../../protocol/ccid-messages.ts';
import { toHex } from '../../protocol/bytes.ts';
import { isPinCommand } from '../../protocol/pin-commands.ts';
import type { TraceEntry } from '../ccid/frame-channel.ts';

const MASK = '**';

/** APDU or T=0 TPDU bytes with the data field of a PIN command masked. */
export function maskApdu(bytes: Uint8Array): string {
  if (bytes.length < 5 || !isPinCommand(bytes[0], bytes[1])) return toHex(bytes);
  const parts = toHex(bytes).split(' ');
  // Short Lc at 4, data from 5; extended: 00 Lc1 Lc2, data from 7.
  const [start, n] =
    bytes[4] === 0 && bytes.length > 7 ? [7, (bytes[5] << 8) | bytes[6]] : [5, bytes[4]];
  for (let i = start; i < Math.min(parts.length, start + n); i++) parts[i] = MASK;
  return parts.join(' ');
}

function messageText(m: CcidMessage): string {
  const name = PcToRdr[m.type as PcToRdr] ?? RdrToPc[m.type as RdrToPc] ?? m.type.toString(16);
  if (m.type === RdrToPc.NotifySlotChange) {
    return `NotifySlotChange ${m.slots.map((s, i) => `${i}:${s.present ? 'in' : 'out'}${s.changed ? '*' : ''}`).join(' ')}`;
  }
  if (m.type === RdrToPc.HardwareError) return `HardwareError slot ${m.slot} code ${m.code}`;
  let text = `${name} slot ${m.slot} seq ${m.seq}`;
  if ('commandStatus' in m) {
    text += ` status ${(m.commandStatus | m.iccStatus).toString(16).padStart(2, '0')} error ${m.error.toString(16).padStart(2, '0')}`;
  }
  if (m.type === PcToRdr.XfrBlock) text += ` ${maskApdu(m.data)}`;
  else if (m.type === PcToRdr.Secure) text += ' (PIN template)';
  else if ('data' in m && m.data instanceof Uint8Array && m.data.length > 0)
    text += ` ${toHex(m.data)}`;
  return text;
}

export function formatTrace(e: TraceEntry): string {
  switch (e.kind) {
    case 'out':
      return `→ ${messageText(e.message)}`;
    case 'in':
      return `← ${messageText(e.message)}`;
    case 'echo':
      return '← (echo)';
    case 'nak':
      return '← NAK';
    case 'time-request':
      return '← (time request)';
    case 'fault':
      return `! ${e.text}`;
    case 'closed':
      return `× ${e.text}`;
  }
}
