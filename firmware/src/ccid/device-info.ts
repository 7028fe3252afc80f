// DeviceInfo (VendorCommand.DeviceInfo): a TLV list (DeviceInfoTag). The serial number (the
// provisioned one, or the UID), model, firmware version and uptime always; the boot stage's
// stored security counter and the outcome of the last update when the boot stage left a valid
// boot record (firmware/FLASH.md "Boot record"; without one the reader cannot know them). Tags the
// firmware cannot know (hardware revision, boot count, manufacturer, boot code version) are left
// out: a host must not expect every tag.
import { DeviceInfoTag } from '../../../protocol/native-constants';
import { MODEL, FIRMWARE_VERSION } from '../version';
import { uptimeSeconds } from '../diag/uptime';
import { bootInfoTlvs } from '../update/index';
import { serialNumber, SERIAL_NUMBER_CAPACITY } from './serial-number';
import { tlvBytes, tlvText, tlvU32 } from './tlv';

const serial = memory.data(SERIAL_NUMBER_CAPACITY);

export function deviceInfo(out: usize): i32 {
  let p = out;
  p += tlvBytes(p, DeviceInfoTag.SerialNumber, serial, serialNumber(serial));
  p += tlvText(p, DeviceInfoTag.Model, MODEL);
  p += tlvText(p, DeviceInfoTag.FirmwareVersion, FIRMWARE_VERSION);
  p += tlvU32(p, DeviceInfoTag.Uptime, uptimeSeconds());
  p += bootInfoTlvs(p);
  return <i32>(p - out);
}
