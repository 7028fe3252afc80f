// What a reader's answer means for the caller: Ok answers pass, failed ones (bmCommandStatus 1,
// CCID rev 1.1 §6.2.6; ../shared/reference/iso7816-and-ccid.md §B2) become typed errors.
import { CcidError, CommandStatus, IccStatus, RdrToPc } from '../../protocol/ccid-constants.ts';
import type { RdrToPcMessage } from '../../protocol/ccid-messages.ts';
import {
  BusyError,
  CancelledError,
  CardMuteError,
  CommandFailedError,
  NoCardError,
  NotSupportedError,
  type ReaderError,
  type ReaderErrorDetails,
} from './errors.ts';

/** The name of a bError value, for messages: `ICC_MUTE (FE)`, `offset 7`. */
export function bErrorName(bError: number): string {
  const hex = bError.toString(16).toUpperCase().padStart(2, '0');
  if (bError >= 0x01 && bError <= 0x7f) return `bad parameter at offset ${bError}`;
  const name = CcidError[bError as CcidError];
  return name === undefined ? `bError ${hex}` : `${name} (${hex})`;
}

/** The typed error of a failed answer. `what` names the command for the message. */
export function failureError(
  m: RdrToPcMessage,
  what: string,
  details: ReaderErrorDetails,
): ReaderError {
  if (m.type === RdrToPc.NotifySlotChange || m.type === RdrToPc.HardwareError) {
    return new CommandFailedError(`${what}: unexpected notification`, details);
  }
  const d = { ...details, bError: m.error, slot: details.slot ?? m.slot };
  const why = bErrorName(m.error);
  switch (m.error) {
    case CcidError.IccMute:
      return m.iccStatus === IccStatus.NoIcc
        ? new NoCardError(`${what}: no card in slot ${m.slot}`, d)
        : new CardMuteError(`${what}: the card does not answer`, d);
    case CcidError.CmdSlotBusy:
      return new BusyError(`${what}: the reader reports slot ${m.slot} busy`, d);
    case CcidError.CmdAborted:
      return new CancelledError(`${what}: aborted`, d);
    case CcidError.CmdNotSupported:
      return new NotSupportedError(`${what}: the reader does not support it`, d);
  }
  if (m.iccStatus === IccStatus.NoIcc) return new NoCardError(`${what}: no card (${why})`, d);
  return new CommandFailedError(`${what}: the reader reports ${why}`, d);
}

/** Returns `m` when it reports success; throws its typed error otherwise. */
export function expectOk<M extends RdrToPcMessage>(
  m: M,
  what: string,
  details: ReaderErrorDetails,
): M {
  if ('commandStatus' in m && m.commandStatus === CommandStatus.Failed) {
    throw failureError(m, what, details);
  }
  return m;
}
