// USB attach/detach events for our VID:PID (usb-ids.ts), through the `usb` package's WebUSB
// `connect`/`disconnect` events. They only tell the driver when to look at the serial ports again
// (a USB-CDC reader appears as /dev/ttyACMn). Where libusb or the package cannot load, or the
// platform has no hotplug, there is no watcher and no crash: the caller rescans on a timer.
import { isReaderUsbId } from './usb-ids.ts';

export interface UsbWatcher {
  stop(): void;
}

export type UsbChange = 'attach' | 'detach';

export type UsbWatchFactory = (
  onChange: (change: UsbChange) => void,
) => Promise<UsbWatcher | { unavailable: string }>;

interface WebUsbLike {
  getDevices(): Promise<unknown[]>;
  addEventListener(type: string, listener: (ev: unknown) => void): void;
  removeEventListener(type: string, listener: (ev: unknown) => void): void;
}

export const watchUsb: UsbWatchFactory = async (onChange) => {
  let usb: WebUsbLike;
  try {
    const mod = (await import('usb')) as unknown as { WebUSB: new (o: object) => WebUsbLike };
    usb = new mod.WebUSB({ allowAllDevices: true });
    // Listening makes the library enumerate devices in the background, where a failure (no
    // /sys/bus/usb in a container) would surface as an unhandled rejection: enumerate first.
    await usb.getDevices();
  } catch (e) {
    return { unavailable: `USB events unavailable: ${(e as Error)?.message ?? String(e)}` };
  }
  const listener =
    (change: UsbChange) =>
    (ev: unknown): void => {
      const d = (ev as { device?: { vendorId?: number; productId?: number } })?.device;
      if (d && isReaderUsbId(d.vendorId, d.productId)) onChange(change);
    };
  const onConnect = listener('attach');
  const onDisconnect = listener('detach');
  try {
    usb.addEventListener('connect', onConnect);
    usb.addEventListener('disconnect', onDisconnect);
  } catch (e) {
    return { unavailable: `USB events unavailable: ${(e as Error)?.message ?? String(e)}` };
  }
  return {
    stop() {
      try {
        usb.removeEventListener('connect', onConnect);
        usb.removeEventListener('disconnect', onDisconnect);
      } catch {
        // Already gone with the library; nothing to release.
      }
    },
  };
};
