// DeviceInfo (VendorCommand.DeviceInfo) reply: a TLV list, tags in DeviceInfoTag.

import { ConfigTag, DeviceInfoTag } from '../native-constants.ts';
import { type TlvRecord, decodeTlvRecord, decodeTlvs, encodeTlvRecord, encodeTlvs } from './tlv.ts';

export const DEVICE_INFO_SCHEMA = {
  serialNumber: [DeviceInfoTag.SerialNumber, 'text'],
  model: [DeviceInfoTag.Model, 'text'],
  hardwareRevision: [DeviceInfoTag.HardwareRevision, 'text'],
  firmwareVersion: [DeviceInfoTag.FirmwareVersion, 'text'],
  bootCount: [DeviceInfoTag.BootCount, 'u32'],
  uptime: [DeviceInfoTag.Uptime, 'u32'],
  language: [DeviceInfoTag.Language, 'u16'],
  manufacturer: [DeviceInfoTag.Manufacturer, 'text'],
  bootloaderVersion: [DeviceInfoTag.BootloaderVersion, 'text'],
  securityCounter: [DeviceInfoTag.SecurityCounter, 'u32'],
  lastUpdate: [DeviceInfoTag.LastUpdate, 'update-outcome'],
} as const;

export type DeviceInfo = TlvRecord<typeof DEVICE_INFO_SCHEMA>;

export function encodeDeviceInfo(info: DeviceInfo): Uint8Array {
  return encodeTlvs(encodeTlvRecord(DEVICE_INFO_SCHEMA, info));
}

export function decodeDeviceInfo(payload: Uint8Array): DeviceInfo {
  return decodeTlvRecord(DEVICE_INFO_SCHEMA, decodeTlvs(payload, 'DeviceInfo'), 'DeviceInfo');
}

// ConfigRead / ConfigWrite: the provisioning area, tags in ConfigTag.

export const READER_CONFIG_SCHEMA = {
  serialNumber: [ConfigTag.SerialNumber, 'text'],
  language: [ConfigTag.Language, 'u16'],
  beeper: [ConfigTag.Beeper, 'bool'],
  pinTimeout: [ConfigTag.PinTimeout, 'u8'],
  timeExtensionInterval: [ConfigTag.TimeExtensionInterval, 'u16'],
  exchangeLimit: [ConfigTag.ExchangeLimit, 'u16'],
} as const;

export type ReaderConfig = TlvRecord<typeof READER_CONFIG_SCHEMA>;

export function encodeReaderConfig(config: ReaderConfig): Uint8Array {
  return encodeTlvs(encodeTlvRecord(READER_CONFIG_SCHEMA, config));
}

export function decodeReaderConfig(payload: Uint8Array): ReaderConfig {
  return decodeTlvRecord(READER_CONFIG_SCHEMA, decodeTlvs(payload, 'config'), 'config');
}
