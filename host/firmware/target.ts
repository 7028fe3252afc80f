// What the flashing and provisioning tools need of a reader: send one vendor escape and get its
// answer, and find the reader again after it rebooted. The driver's Reader (host/reader) provides
// this for serial and simulated readers (reader-target.ts); tests also use a reader rig
// (testing/rig-target.ts).
import type { Clock } from '../clock.ts';
import { VendorCommand, VendorStatus } from '../../protocol/native-constants.ts';
import {
  decodeVendorResponse,
  encodeVendorRequest,
  isVendorFailure,
  type VendorReply,
  type VendorResponse,
  type VendorRequest,
} from '../../protocol/native/vendor-escape.ts';
import { VendorMessageError } from '../../protocol/native/vendor-error.ts';
import { FirmwareToolError } from './errors.ts';

export interface UpdateTarget {
  /** Names the reader in progress lines and reports (port path, simulator id). */
  readonly name: string;
  /** Sends a vendor escape's abData (`4B 52 cmd payload`); resolves with the answer's abData. */
  escape(request: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
  /** After a Reboot or a lost link: resolves when the reader answers again (reopening as needed). */
  reconnect(signal?: AbortSignal): Promise<void>;
  /** Largest UpdateWrite data the link carries (the profile's message size), if smaller than the reader's chunk. */
  readonly maxChunk?: number;
  /** The reader's own clock, when it differs from the tool's (each simulated reader has one). */
  readonly clock?: Clock;
}

/** The escape could not be exchanged at all (link lost, reader rebooting). */
export class LinkLostError extends Error {
  override readonly name = 'LinkLostError';
}

/** The successful reply to command C (some replies share one shape for several commands). */
type ReplyOf<C extends VendorCommand> = VendorReply extends infer R
  ? R extends { command: infer K }
    ? C extends K
      ? R
      : never
    : never
  : never;

/** The answer to `request`, or the reader's failure status; link failures throw LinkLostError. */
export async function exchange<C extends VendorCommand>(
  target: UpdateTarget,
  request: VendorRequest & { command: C },
  signal?: AbortSignal,
): Promise<ReplyOf<C> | { command: C; status: Exclude<VendorStatus, VendorStatus.Ok> }> {
  let bytes: Uint8Array;
  try {
    bytes = await target.escape(encodeVendorRequest(request), signal);
  } catch (e) {
    // A cancellation, or a refusal the target recognised: no reconnection mends those.
    if (signal?.aborted || e instanceof FirmwareToolError) throw e;
    throw new LinkLostError(`${target.name}: ${(e as Error).message}`, { cause: e });
  }
  let reply: VendorResponse;
  try {
    reply = decodeVendorResponse(bytes);
  } catch (e) {
    if (e instanceof VendorMessageError)
      throw new FirmwareToolError(
        'protocol',
        `${target.name}: answer to ${VendorCommand[request.command]}: ${e.message}`,
        { cause: e },
      );
    throw e;
  }
  if ((reply.command as number) !== request.command)
    throw new FirmwareToolError(
      'protocol',
      `${target.name}: asked ${VendorCommand[request.command]}, the answer is for command 0x${reply.command.toString(16)}`,
    );
  if (isVendorFailure(reply)) return { command: request.command, status: reply.status };
  return reply as ReplyOf<C>;
}

export function statusName(status: number): string {
  return VendorStatus[status] ?? `status 0x${status.toString(16)}`;
}
