// DeviceInfo (VendorCommand.DeviceInfo): a TLV list (DeviceInfoTag). Tags the firmware cannot
// know yet (hardware revision, boot count, language, manufacturer, boot code version) come with
// provisioning and the update agent (issue 8); a host must not expect every tag.
import { DeviceInfoTag } from '../../../protocol/native-constants';
import { MODEL, FIRMWARE_VERSION } from '../version';
import { uptimeSeconds } from '../diag/uptime';
import { serialNumber, SERIAL_NUMBER_CAPACITY } from './serial-number';
import { tlvBytes, tlvText, tlvU32 } from './tlv';

const serial = memory.data(SERIAL_NUMBER_CAPACITY);

export function deviceInfo(out: usize): i32 {
  let p = out;
  p += tlvBytes(p, DeviceInfoTag.SerialNumber, serial, serialNumber(serial));
  p += tlvText(p, DeviceInfoTag.Model, MODEL);
  p += tlvText(p, DeviceInfoTag.FirmwareVersion, FIRMWARE_VERSION);
  p += tlvU32(p, DeviceInfoTag.Uptime, uptimeSeconds());
  return <i32>(p - out);
}
