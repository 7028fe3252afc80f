// One vendor escape of the native profile (protocol/native/vendor-escape.ts): PC_to_RDR_Escape
// with `4B 52 cmd payload`, answered `4B 52 cmd status payload`. A status other than Ok becomes
// a typed error; escapeData leaves the answer's bytes to tools that read the status themselves.
import { PcToRdr, RdrToPc } from '../../protocol/ccid-constants.ts';
import { VendorCommand, VendorStatus } from '../../protocol/native-constants.ts';
import {
  decodeVendorResponse,
  encodeVendorRequest,
  isVendorFailure,
  type VendorReply,
  type VendorRequest,
} from '../../protocol/native/vendor-escape.ts';
import { VendorMessageError } from '../../protocol/native/vendor-error.ts';
import { expectOk } from '../ccid/answer.ts';
import type { CcidClient } from '../ccid/ccid-client.ts';
import {
  BadRequestError,
  BusyError,
  NotSupportedError,
  ProtocolError,
  ReaderError,
  CommandFailedError,
} from '../ccid/errors.ts';
import { ByteFieldError } from '../../protocol/bytes.ts';

type ReplyOf<C extends VendorCommand> = Extract<VendorReply, { command: C }>;

export async function vendorEscape<R extends VendorRequest>(
  client: CcidClient,
  request: R,
  options: { timeoutMs?: number; slot?: number } = {},
): Promise<ReplyOf<R['command']>> {
  const name = VendorCommand[request.command] ?? String(request.command);
  let data: Uint8Array;
  try {
    data = encodeVendorRequest(request);
  } catch (e) {
    if (e instanceof ByteFieldError) throw new BadRequestError(`${name}: ${e.message}`);
    throw e;
  }
  const details = { reader: client.path };
  const abData = await escapeData(client, data, { ...options, what: `vendor escape ${name}` });
  let reply;
  try {
    reply = decodeVendorResponse(abData);
  } catch (e) {
    if (e instanceof VendorMessageError) {
      throw new ProtocolError(`vendor escape ${name}: ${e.message}`, { ...details, cause: e });
    }
    throw e;
  }
  if (reply.command !== request.command) {
    throw new ProtocolError(`vendor escape ${name}: answer to command ${reply.command}`, details);
  }
  if (isVendorFailure(reply)) throw vendorFailure(name, reply.status, details);
  return reply as ReplyOf<R['command']>;
}

/**
 * PC_to_RDR_Escape with `data` as abData; resolves with RDR_to_PC_Escape's abData, whatever it
 * says (the vendor status is the caller's to read). A failed CCID answer is a typed error.
 */
export async function escapeData(
  client: CcidClient,
  data: Uint8Array,
  options: { timeoutMs?: number; slot?: number; signal?: AbortSignal; what?: string } = {},
): Promise<Uint8Array> {
  const what = options.what ?? 'escape';
  const details = { reader: client.path };
  const answer = expectOk(
    await client.command(
      { type: PcToRdr.Escape, slot: options.slot ?? 0, data },
      { timeoutMs: options.timeoutMs, signal: options.signal },
    ),
    what,
    details,
  );
  if (answer.type !== RdrToPc.Escape) {
    throw new ProtocolError(`${what}: not an Escape answer`, details);
  }
  return answer.data;
}

function vendorFailure(
  name: string,
  status: VendorStatus,
  details: { reader: string },
): ReaderError {
  const what = VendorStatus[status] ?? String(status);
  switch (status) {
    case VendorStatus.UnknownCommand:
      return new NotSupportedError(`${name}: the reader does not know this escape`, details);
    case VendorStatus.Busy:
      return new BusyError(`${name}: the reader is busy`, details);
    case VendorStatus.BadLength:
    case VendorStatus.BadParameter:
      return new BadRequestError(`${name}: the reader refused it (${what})`, details);
    default:
      return new CommandFailedError(`${name}: the reader answered ${what}`, details);
  }
}
