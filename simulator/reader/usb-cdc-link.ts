// USB full-speed CDC: bulk packets of at most 64 bytes, scheduled on 1 ms frames. Data written
// in one frame travels in the next one (a host controller schedules bulk transfers per frame),
// up to PACKETS_PER_FRAME packets per frame and direction (19 × 64 bytes is the full-speed bulk
// ceiling of a frame).
import { NS_PER_MS } from '../engine/virtual-clock.ts';
import { HostLink, type LinkDirection } from './host-link.ts';

export const USB_FS_PACKET = 64;
export const USB_FRAME_NS = NS_PER_MS;
export const PACKETS_PER_FRAME = 19;

export class UsbCdcLink extends HostLink {
  private readonly queues: Record<LinkDirection, number[]> = { 'to-reader': [], 'to-host': [] };
  private frameHandle: number | undefined;

  fromHost(bytes: Uint8Array): void {
    this.queues['to-reader'].push(...bytes);
    this.scheduleFrame();
  }

  fromReader(bytes: Uint8Array): void {
    this.queues['to-host'].push(...bytes);
    this.scheduleFrame();
  }

  reset(): void {
    this.queues['to-reader'].length = 0;
    this.queues['to-host'].length = 0;
    if (this.frameHandle !== undefined) this.clock.cancel(this.frameHandle);
    this.frameHandle = undefined;
  }

  describe(): string {
    return 'USB full-speed CDC';
  }

  private scheduleFrame(): void {
    if (this.frameHandle !== undefined) return;
    const now = this.clock.now();
    const next = (Math.floor(now / USB_FRAME_NS) + 1) * USB_FRAME_NS;
    this.frameHandle = this.clock.scheduleAt(next, () => this.frame());
  }

  private frame(): void {
    this.frameHandle = undefined;
    // IN first: what the firmware sends while handling this frame's OUT data waits for the next.
    for (const direction of ['to-host', 'to-reader'] as const) {
      const queue = this.queues[direction];
      const size =
        direction === 'to-reader'
          ? Math.max(1, Math.min(USB_FS_PACKET, this.ends.maxChunk()))
          : USB_FS_PACKET;
      for (let p = 0; p < PACKETS_PER_FRAME && queue.length > 0; p++)
        this.deliver(direction, Uint8Array.from(queue.splice(0, size)));
    }
    if (this.queues['to-reader'].length || this.queues['to-host'].length) this.scheduleFrame();
  }
}
