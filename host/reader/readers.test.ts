import { describe, expect, it } from 'vitest';
import { fakeTransport } from '../ccid/testing/fake-link.ts';
import { virtualTime } from '../ccid/testing/virtual-time.ts';
import { TransportError } from '../transport/transport-error.ts';
import { Readers } from './readers.ts';
import { discoverSerialReaders, serialPortLister, type PortInfo } from './serial-discovery.ts';
import { isReaderUsbId, READER_USB_PRODUCT_ID, READER_USB_VENDOR_ID } from './usb-ids.ts';
import { watchUsb, type UsbChange } from './usb-watch.ts';

const ATR = Uint8Array.of(0x3b, 0x02, 0x14, 0x50);
const ours = (path: string): PortInfo => ({ path, vendorId: '1209', productId: '0001' });

describe('Readers', () => {
  it('opens configured transports and forwards every reader’s events', async () => {
    const vt = virtualTime();
    const a = fakeTransport({ clock: vt.clock });
    a.reader.insert(0, { atr: ATR, respond: () => Uint8Array.of(0x90, 0) });
    const readers = new Readers({ clock: vt.clock, transports: [a.transport] });
    const events: string[] = [];
    readers.on('reader-attached', (r) => events.push(`attached ${r.path}`));
    readers.on('reader-detached', (r, e) => events.push(`detached ${r.path} ${e.code}`));
    readers.on('card-inserted', (e) => events.push(`inserted ${e.reader.path} ${e.slot}`));
    readers.on('card-removed', (e) => events.push(`removed ${e.reader.path} ${e.slot}`));
    await vt.settle(readers.start());
    await vt.advance(1);
    expect(readers.list().map((r) => r.path)).toEqual(['fake:reader']);
    a.reader.pull(0);
    await vt.advance(1);
    a.reader.unplug();
    await vt.advance(1);
    expect(events).toEqual([
      'attached fake:reader',
      'inserted fake:reader 0',
      'removed fake:reader 0',
      'detached fake:reader reader-detached',
    ]);
    expect(readers.list()).toEqual([]);
    expect(readers.all()).toHaveLength(1);
    await readers.close();
  });

  it('discovers readers by USB VID:PID, rescans on USB events and drops ports that went away', async () => {
    const vt = virtualTime();
    let ports: PortInfo[] = [{ path: '/dev/ttyS0' }, ours('/dev/nonexistent-kiosk-reader-1')];
    let usbChange: ((c: UsbChange) => void) | undefined;
    let stopped = false;
    const readers = new Readers({
      clock: vt.clock,
      lister: async () => ports,
      usb: async (onChange) => {
        usbChange = onChange;
        return { stop: () => (stopped = true) };
      },
      reader: { backoff: { initialMs: 1000, maxMs: 1000 } },
      serial: (path) => ({
        kind: 'serial',
        path,
        open: () => Promise.reject(new TransportError('open-failed', path, 'no such device')),
      }),
    });
    await vt.settle(readers.start());
    expect(readers.all().map((r) => r.path)).toEqual(['/dev/nonexistent-kiosk-reader-1']);
    // The device does not exist: the reader is known, not attached, and being retried.
    expect(readers.list()).toEqual([]);
    expect(readers.all()[0].lastError?.code).toBe('reader-detached');
    ports = [ours('/dev/nonexistent-kiosk-reader-2')];
    usbChange!('attach');
    await vt.settle(readers.rescan());
    expect(readers.all().map((r) => r.path)).toEqual(['/dev/nonexistent-kiosk-reader-2']);
    await readers.close();
    expect(stopped).toBe(true);
  });

  it('copes with a serial port list that cannot be read (no udevadm): a warning, no crash', async () => {
    const vt = virtualTime();
    const warnings: string[] = [];
    const readers = new Readers({
      clock: vt.clock,
      lister: async () => {
        throw new Error('spawn udevadm ENOENT');
      },
      usb: async () => ({ unavailable: 'no libusb' }),
      rescanMs: 3000,
    });
    readers.on('warning', (t) => warnings.push(t));
    await vt.settle(readers.start());
    await vt.advance(3100);
    expect(warnings).toEqual([
      'cannot list serial ports: spawn udevadm ENOENT',
      'cannot list serial ports: spawn udevadm ENOENT',
    ]);
    await readers.close();
  });

  it('waits for a reader, with a timeout', async () => {
    const vt = virtualTime();
    const readers = new Readers({ clock: vt.clock, discover: false });
    await vt.settle(readers.start());
    await expect(vt.settle(readers.waitForReader({ timeoutMs: 500 }))).rejects.toMatchObject({
      code: 'timeout',
    });
    const f = fakeTransport({ clock: vt.clock });
    const waiting = readers.waitForReader({ timeoutMs: 5000 });
    await vt.settle(readers.add(f.transport));
    await expect(vt.settle(waiting)).resolves.toMatchObject({ path: 'fake:reader' });
    await readers.close();
  });
});

describe('discovery on this machine', () => {
  it('lists serial ports without throwing, whatever the platform offers', async () => {
    const r = await discoverSerialReaders(serialPortLister);
    expect(Array.isArray(r.ports)).toBe(true);
  });

  it('starts and stops the USB watcher, or says why it cannot', async () => {
    const w = await watchUsb(() => {});
    if ('stop' in w) w.stop();
    else expect(w.unavailable).toMatch(/USB/);
  });

  it('matches the pid.codes test pair only', () => {
    expect([READER_USB_VENDOR_ID, READER_USB_PRODUCT_ID]).toEqual([0x1209, 0x0001]);
    expect(isReaderUsbId('1209', '0001')).toBe(true);
    expect(isReaderUsbId(0x1209, 1)).toBe(true);
    expect(isReaderUsbId('1209', '0002')).toBe(false);
    expect(isReaderUsbId(undefined, undefined)).toBe(false);
    expect(isReaderUsbId('zz', '0001')).toBe(false);
  });
});
