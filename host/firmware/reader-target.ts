// An UpdateTarget over the driver's Reader (host/reader). The Reader needs two things it does not
// offer yet (requested from the driver's engineer): the raw vendor escape — abData in, abData out,
// whatever the status, so that Busy and the update statuses reach the tools as data — and a way to
// wait until it is attached again after the reader rebooted.
import { NATIVE_MAX_MESSAGE_LENGTH } from '../../protocol/serial-constants.ts';
import { CCID_HEADER_LENGTH } from '../../protocol/ccid-constants.ts';
import { VENDOR_REQUEST_HEADER } from '../../protocol/native-constants.ts';
import type { UpdateTarget } from './target.ts';

/** UpdateWrite's fields before the data: u32 offset, u32 CRC-32. */
const UPDATE_WRITE_FIELDS = 8;

export interface EscapeReader {
  /** The port path (or simulator id): names the reader in progress and reports. */
  readonly path: string;
  /** PC_to_RDR_Escape with this abData on slot 0; resolves with RDR_to_PC_Escape's abData. */
  escapeRaw(
    abData: Uint8Array,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<Uint8Array>;
  /** Resolves when the reader is attached (at once if it is); rejects when it is closed. */
  whenAttached(signal?: AbortSignal): Promise<void>;
}

export function readerTarget(
  reader: EscapeReader,
  options: { timeoutMs?: number } = {},
): UpdateTarget {
  return {
    name: reader.path,
    maxChunk:
      NATIVE_MAX_MESSAGE_LENGTH - CCID_HEADER_LENGTH - VENDOR_REQUEST_HEADER - UPDATE_WRITE_FIELDS,
    escape: (abData, signal) =>
      reader.escapeRaw(abData, { timeoutMs: options.timeoutMs ?? 5000, signal }),
    reconnect: (signal) => reader.whenAttached(signal),
  };
}
