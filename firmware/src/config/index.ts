// The configuration area's entry points for the rest of the firmware (wired by main.ts and the
// CCID vendor escapes; firmware/FLASH.md "Configuration area").
export { configEscape, configInit } from './config-escape';
export {
  configSerialNumber,
  configLanguage,
  configBeeper,
  configPinTimeoutSeconds,
  configTimeExtensionMs,
  configExchangeLimitMs,
  SERIAL_NUMBER_MAX,
} from './config-store';
