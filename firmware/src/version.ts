// The firmware's identity: HELLO reports the numbers, DeviceInfo the model and version text,
// libccid's GET_FIRMWARE escape (02) the name. A test checks that they agree.
export const FIRMWARE_MAJOR: i32 = 0;
export const FIRMWARE_MINOR: i32 = 1;
export const FIRMWARE_PATCH: i32 = 0;
export const FIRMWARE_VERSION = '0.1.0';
export const MODEL = 'kiosk-reader';
/** MODEL + ' ' + FIRMWARE_VERSION, written out: asc would allocate to concatenate. */
export const FIRMWARE_NAME = 'kiosk-reader 0.1.0';
