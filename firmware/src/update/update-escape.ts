// The update escapes of the native profile (PROTOCOL.md "Firmware update"): UpdateBegin, Write,
// Finish, Status, Abort and Reboot, decoded here and handed to the agent. The CCID layer calls
// updateEscape with the payload after `4B 52 cmd` and a buffer for the payload after the status.
import { boot_confirm, system_reset } from '../hal';
import { LogLevel } from '../../hal-constants';
import { BootOutcome } from '../../../protocol/image/flash-map';
import {
  SHA256_LENGTH,
  UpdateState,
  VendorCommand,
  VendorStatus,
} from '../../../protocol/native-constants';
import { configBusy } from '../config/config-store';
import {
  agentAbort,
  agentBegin,
  agentBusy,
  agentFinish,
  agentImageSize,
  agentReceived,
  agentReset,
  agentSetState,
  agentState,
  agentWrite,
  beginResume,
  UPDATE_CHUNK_SIZE,
} from './update-agent';
import {
  bootOutcome,
  bootReason,
  bootRecordLoad,
  runningMajor,
  runningMinor,
  runningRevision,
} from './boot-record';
import { crc32 } from './crc32';
import { escapeResult } from './escape-result';
import { flashAccessReset } from './flash-access';
import {
  readSlotHeader,
  slotVersionMajor,
  slotVersionMinor,
  slotVersionRevision,
} from './image-check';
import { logNumber, logSend, logStart } from './log-text';
import { selfTestPasses } from './self-test';

/** UpdateStatus reply: state, received, size, running version, pending flag, pending version. */
const STATUS_LENGTH: i32 = 18;

/**
 * Handles one update escape. `req`/`reqLen`: the request payload; `resp`/`respCap`: where the reply
 * payload goes. Returns escapeResult(status, length): the reply payload only counts when the
 * status is Ok. Never traps, whatever the lengths.
 */
export function updateEscape(
  command: i32,
  req: usize,
  reqLen: i32,
  resp: usize,
  respCap: i32,
): i32 {
  switch (command) {
    case VendorCommand.UpdateBegin: {
      if (reqLen != 4 + SHA256_LENGTH) return escapeResult(VendorStatus.BadLength, 0);
      if (respCap < 6) return escapeResult(VendorStatus.BadLength, 0);
      const status = agentBegin(<i32>load<u32>(req), req + 4);
      if (status != VendorStatus.Ok) return escapeResult(status, 0);
      store<u16>(resp, <u16>UPDATE_CHUNK_SIZE);
      store<u32>(resp + 2, <u32>beginResume());
      return escapeResult(VendorStatus.Ok, 6);
    }
    case VendorCommand.UpdateWrite: {
      const dataLength = reqLen - 8;
      if (dataLength < 1 || dataLength > UPDATE_CHUNK_SIZE || respCap < 4)
        return escapeResult(VendorStatus.BadLength, 0);
      if (crc32(req + 8, dataLength) != load<u32>(req + 4))
        return escapeResult(VendorStatus.ChecksumError, 0);
      const status = agentWrite(<i32>load<u32>(req), req + 8, dataLength);
      if (status != VendorStatus.Ok) return escapeResult(status, 0);
      store<u32>(resp, <u32>agentReceived());
      return escapeResult(VendorStatus.Ok, 4);
    }
    case VendorCommand.UpdateFinish:
      if (reqLen != 0) return escapeResult(VendorStatus.BadLength, 0);
      return escapeResult(agentFinish(), 0);
    case VendorCommand.UpdateStatus:
      if (reqLen != 0 || respCap < STATUS_LENGTH) return escapeResult(VendorStatus.BadLength, 0);
      return escapeResult(VendorStatus.Ok, status(resp));
    case VendorCommand.UpdateAbort:
      if (reqLen != 0) return escapeResult(VendorStatus.BadLength, 0);
      return escapeResult(agentAbort(), 0);
    case VendorCommand.Reboot:
      if (reqLen != 0) return escapeResult(VendorStatus.BadLength, 0);
      // A reset would tear the flash operation in progress: finish it first.
      if (agentBusy() || configBusy()) return escapeResult(VendorStatus.Busy, 0);
      system_reset(); // takes effect after this event handler, once the answer is queued
      return escapeResult(VendorStatus.Ok, 0);
    default:
      return escapeResult(VendorStatus.UnknownCommand, 0);
  }
}

function status(out: usize): i32 {
  const state = agentState();
  store<u8>(out, <u8>state);
  store<u32>(out + 1, <u32>agentReceived());
  store<u32>(out + 5, <u32>agentImageSize());
  store<u8>(out + 9, <u8>runningMajor());
  store<u8>(out + 10, <u8>runningMinor());
  store<u16>(out + 11, <u16>runningRevision());
  const pending = state == UpdateState.Pending && readSlotHeader();
  store<u8>(out + 13, pending ? 1 : 0);
  store<u8>(out + 14, pending ? <u8>slotVersionMajor() : 0);
  store<u8>(out + 15, pending ? <u8>slotVersionMinor() : 0);
  store<u16>(out + 16, pending ? <u16>slotVersionRevision() : 0);
  return STATUS_LENGTH;
}

/**
 * At init (after configInit): read the boot record; on a trial boot run the self-test and confirm
 * the image, or ask for the reset that makes the boot stage revert it.
 */
export function updateInit(): void {
  flashAccessReset();
  agentReset();
  bootRecordLoad();
  const outcome = bootOutcome();
  if (outcome == BootOutcome.Trial) {
    if (selfTestPasses()) {
      boot_confirm();
      logStart('update: self-test passed, new image confirmed');
      logSend(LogLevel.Info);
    } else {
      agentSetState(UpdateState.Testing);
      logStart('update: self-test failed, resetting so that the boot stage reverts the image');
      logSend(LogLevel.Error);
      system_reset();
    }
  } else if (outcome == BootOutcome.Reverted || outcome == BootOutcome.Rejected) {
    agentSetState(UpdateState.Failed);
    logStart(
      outcome == BootOutcome.Reverted
        ? 'update: the last image was reverted'
        : 'update: the boot stage refused the last image, ImageCheck ',
    );
    if (outcome == BootOutcome.Rejected) logNumber(<u32>bootReason());
    logSend(LogLevel.Warn);
  }
}
