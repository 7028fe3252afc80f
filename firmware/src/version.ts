// The firmware's version: HELLO reports the numbers, libccid's GET_FIRMWARE escape (02) the
// string. A test checks that the two agree.
export const FIRMWARE_MAJOR: i32 = 0;
export const FIRMWARE_MINOR: i32 = 1;
export const FIRMWARE_PATCH: i32 = 0;
export const FIRMWARE_NAME = 'kiosk-reader 0.1.0';
