// The reader's USB identity. Until a product ID is allocated, the reader uses the pid.codes test
// pair 1209:0001 ("pid.codes Test PID", https://pid.codes/1209/0001/) — for development only;
// production readers need their own allocated PID, and this is the one place to change.
export const READER_USB_VENDOR_ID = 0x1209;
export const READER_USB_PRODUCT_ID = 0x0001;

/** serialport reports IDs as lowercase hex strings without 0x ('1209'). */
export function isReaderUsbId(vendorId: unknown, productId: unknown): boolean {
  const norm = (v: unknown): number | undefined =>
    typeof v === 'number'
      ? v
      : typeof v === 'string' && /^[0-9a-f]{1,4}$/i.test(v)
        ? parseInt(v, 16)
        : undefined;
  return norm(vendorId) === READER_USB_VENDOR_ID && norm(productId) === READER_USB_PRODUCT_ID;
}
