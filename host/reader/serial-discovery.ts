// Finds our readers among the serial ports: serialport's `SerialPort.list()` with the USB
// VID:PID it reports (usb-ids.ts). On Linux that list comes from udevadm; where it is missing or
// fails (containers, minimal images), discovery reports why and finds nothing — it never throws.
import { SerialPort } from 'serialport';
import { isReaderUsbId } from './usb-ids.ts';

export interface PortInfo {
  path: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
}

export type PortLister = () => Promise<PortInfo[]>;

export const serialPortLister: PortLister = () => SerialPort.list();

export interface DiscoveryResult {
  /** Ports whose USB IDs are our reader's. */
  readonly ports: readonly string[];
  /** Why the list could not be read, when it could not. */
  readonly error?: string;
}

export async function discoverSerialReaders(
  lister: PortLister = serialPortLister,
): Promise<DiscoveryResult> {
  let list: PortInfo[];
  try {
    list = await lister();
  } catch (e) {
    return { ports: [], error: `cannot list serial ports: ${(e as Error)?.message ?? String(e)}` };
  }
  if (!Array.isArray(list)) return { ports: [], error: 'the serial port list is not a list' };
  return {
    ports: list
      .filter((p) => typeof p?.path === 'string' && isReaderUsbId(p.vendorId, p.productId))
      .map((p) => p.path),
  };
}
