// The self-test a trial image runs before it confirms itself (firmware/FLASH.md "Self-test and
// confirmation"). It checks what this firmware needs from the reader to be serviceable at all —
// the flash window has the map's shape, the boot record is intact, the configuration area reads —
// and the test flag that makes a build fail on purpose (ImageFlag.SelfTestFail, IMAGE.md).
import { LogLevel } from '../../hal-constants';
import { ImageFlag } from '../../../protocol/image/image-constants';
import { configReadable } from '../config/config-store';
import { bootImageFlags, bootRecordValid } from './boot-record';
import { flashGeometryOk } from './flash-access';
import { logSend, logStart } from './log-text';

export function selfTestPasses(): bool {
  if (!flashGeometryOk()) return failed('self-test: the flash window does not match FLASH.md');
  if (!bootRecordValid()) return failed('self-test: no valid boot record');
  if (!configReadable()) return failed('self-test: the configuration area cannot be read');
  if ((bootImageFlags() & (<u32>ImageFlag.SelfTestFail)) != 0)
    return failed('self-test: this build is marked to fail its self-test (SelfTestFail)');
  return true;
}

function failed(text: string): bool {
  logStart(text);
  logSend(LogLevel.Error);
  return false;
}
