// An UpdateTarget over the driver's Reader (host/reader): the vendor escapes go through
// Reader.escapeRaw, which hands back the answer's bytes whatever its status (Busy and the update
// states are data to the tools); after a Reboot the reader is reconnected (it comes back in the
// compat profile, after its boot stage), after a lost link the tools wait for the driver's own
// reconnection. Timeouts run on the reader's clock.
import { NATIVE_MAX_MESSAGE_LENGTH } from '../../protocol/serial-constants.ts';
import { CCID_HEADER_LENGTH } from '../../protocol/ccid-constants.ts';
import {
  VENDOR_REQUEST_HEADER,
  VendorCommand,
  VendorStatus,
} from '../../protocol/native-constants.ts';
import type { Clock } from '../clock.ts';
import { isReaderError } from '../ccid/errors.ts';
import { FirmwareToolError } from './errors.ts';
import type { UpdateTarget } from './target.ts';

/** UpdateWrite's fields before the data: u32 offset, u32 CRC-32. */
const UPDATE_WRITE_FIELDS = 8;
/** `4B 52 cmd status`: where the vendor status sits in an answer. */
const STATUS_OFFSET = 3;

/** The default wait for an answer to one escape (a chunk written to flash included). */
export const ESCAPE_TIMEOUT_MS = 5000;
/** The default wait for the reader to come back: a reboot with a slot swap, a cable glitch. */
export const REATTACH_TIMEOUT_MS = 60_000;

interface WaitOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** What the target needs of host/reader's Reader. */
export interface EscapeReader {
  /** The port path (or simulator id): names the reader in progress and reports. */
  readonly path: string;
  /** Known once attached: the message size of the negotiated profile. */
  readonly capabilities: { readonly maxMessageLength: number } | undefined;
  /** PC_to_RDR_Escape with this abData on slot 0; resolves with RDR_to_PC_Escape's abData. */
  escapeRaw(abData: Uint8Array, options?: WaitOptions): Promise<Uint8Array>;
  /** Resolves when the reader is attached (at once if it is). */
  whenAttached(options?: WaitOptions): Promise<void>;
  /** Drops the link and attaches again (after the reader was told to restart). */
  reconnect(options?: WaitOptions): Promise<void>;
}

export interface ReaderTargetOptions {
  /** The reader's clock, when it is not the tool's (each simulated reader has its own). */
  clock?: Clock;
  timeoutMs?: number;
  reattachTimeoutMs?: number;
}

export function readerTarget(
  reader: EscapeReader,
  options: ReaderTargetOptions = {},
): UpdateTarget {
  const reattach = options.reattachTimeoutMs ?? REATTACH_TIMEOUT_MS;
  // Set when the reader acknowledged a Reboot: the next reconnect drops the link at once,
  // rather than finding out from a command that the reader behind it restarted.
  let restarting = false;
  return {
    name: reader.path,
    clock: options.clock,
    get maxChunk() {
      const max = reader.capabilities?.maxMessageLength ?? NATIVE_MAX_MESSAGE_LENGTH;
      return max - CCID_HEADER_LENGTH - VENDOR_REQUEST_HEADER - UPDATE_WRITE_FIELDS;
    },
    async escape(abData, signal) {
      let answer: Uint8Array;
      try {
        answer = await reader.escapeRaw(abData, {
          timeoutMs: options.timeoutMs ?? ESCAPE_TIMEOUT_MS,
          signal,
        });
      } catch (e) {
        throw linkOrRefusal(reader.path, e);
      }
      if (abData[2] === VendorCommand.Reboot && answer[STATUS_OFFSET] === VendorStatus.Ok)
        restarting = true;
      return answer;
    },
    async reconnect(signal) {
      const wait = { timeoutMs: reattach, signal };
      if (restarting) {
        restarting = false;
        await reader.reconnect(wait);
      } else await reader.whenAttached(wait);
    },
  };
}

/**
 * A lost link, a silent reader or a cancellation go on as they are (the tools reconnect or
 * stop); anything else the driver reports is the reader refusing the escape, which no
 * reconnection mends.
 */
function linkOrRefusal(path: string, e: unknown): unknown {
  if (!isReaderError(e)) return e;
  switch (e.code) {
    case 'reader-detached':
    case 'timeout':
    case 'cancelled':
      return e;
    case 'session-closed':
      return new FirmwareToolError('link', `${path}: ${e.message}`, { cause: e });
    case 'protocol-error':
      return new FirmwareToolError('protocol', `${path}: ${e.message}`, { cause: e });
    default:
      return new FirmwareToolError('reader-refused', `${path}: ${e.message}`, { cause: e });
  }
}
