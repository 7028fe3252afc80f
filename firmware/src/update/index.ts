// The update agent's entry points for the rest of the firmware (firmware/FLASH.md):
//   init:           configInit() then updateInit()
//   on_flash_done:  updateOnFlashDone(status)   — routes to the agent or the configuration writer
//   vendor escapes: updateEscape(...) for UpdateBegin..Reboot, configEscape(...) for ConfigRead/Write
import { agentOnFlashDone, agentPump } from './update-agent';
import { configOnFlashDone, configPump } from '../config/config-escape';
import { flashRelease, FLASH_USER_CONFIG, FLASH_USER_UPDATE } from './flash-access';

export { updateEscape, updateInit } from './update-escape';
export { escapeResult, escapeStatus, escapePayloadLength } from './escape-result';
export { UPDATE_CHUNK_SIZE } from './update-agent';
export { bootInfoTlvs } from './boot-info';
export {
  bootOutcome,
  bootReason,
  bootStoredSecurityCounter,
  bootImageSecurityCounter,
  runningMajor,
  runningMinor,
  runningRevision,
} from './boot-record';

/** on_flash_done: the operation belongs to whoever started it; then whoever waits goes next. */
export function updateOnFlashDone(status: i32): void {
  const who = flashRelease();
  if (who == FLASH_USER_UPDATE) agentOnFlashDone(status);
  else if (who == FLASH_USER_CONFIG) configOnFlashDone(status);
  agentPump();
  configPump();
}
