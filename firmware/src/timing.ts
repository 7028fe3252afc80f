// Time limits of the CCID device and the host link, in ms. Portable subset: tests import it.

/**
 * While a card exchange runs, a time extension goes to the host this often, so that libccid
 * keeps waiting (it multiplies its read timeout by bError, ccid-over-serial §3) and never sees
 * a silent reader. The default: provisioning may set another (ConfigTag.TimeExtensionInterval,
 * configTimeExtensionMs in firmware/src/config).
 */
export const TIME_EXTENSION_INTERVAL_MS: i32 = 1000;

/**
 * Longest silence inside a frame before the partial frame is dropped and NAKed. libccid writes
 * a whole frame with one write(); at 115200 baud a byte takes under 0.1 ms, so 100 ms of silence
 * mid-frame means the rest is lost.
 */
export const HOST_FRAME_TIMEOUT_MS: i32 = 100;
