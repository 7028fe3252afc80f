// The reader's waiting-time counter (firmware/HAL.md `card_wait`): counts etu of the current
// UART setting in the card-clock domain, restarts at the call and at the leading edge of every
// character on I/O in either direction, and when it reaches its target while no character is
// queued for sending, reports once and disarms. A stopped clock freezes it.
import type { VirtualClock } from '../engine/virtual-clock.ts';

export class WaitingTimeCounter {
  private target = 0;
  /** etu counted before the current segment (segments change when the etu length changes). */
  private counted = 0;
  private segmentStart = 0;
  private segmentEtuNs = 0;
  private handle: number | undefined;
  /** The count was reached while the reader was sending: it fires once the sending ends. */
  private overdue = false;

  constructor(
    private readonly clock: VirtualClock,
    /** Current etu length in ns, or 0 when the clock is stopped. */
    private readonly etuNs: () => number,
    /** True while characters are queued or being sent by the reader. */
    private readonly sending: () => boolean,
    private readonly expired: () => void,
  ) {}

  get armed(): boolean {
    return this.target > 0;
  }

  arm(etu: number): void {
    this.target = etu;
    this.overdue = false;
    if (etu === 0) this.stopTimer();
    else this.restart();
  }

  /** A leading edge on I/O (or the arming call). */
  restart(): void {
    if (!this.target) return;
    this.counted = 0;
    this.overdue = false;
    this.startSegment();
  }

  /** The etu length changed (clock or UART setting): keep what was counted, go on at the new rate. */
  rescale(): void {
    if (!this.target) return;
    if (this.segmentEtuNs > 0)
      this.counted += (this.clock.now() - this.segmentStart) / this.segmentEtuNs;
    this.startSegment();
  }

  private startSegment(): void {
    this.stopTimer();
    this.segmentStart = this.clock.now();
    this.segmentEtuNs = this.etuNs();
    if (this.segmentEtuNs <= 0) return;
    const remaining = Math.max(0, this.target - this.counted);
    this.handle = this.clock.schedule(remaining * this.segmentEtuNs, () => this.fire());
  }

  private stopTimer(): void {
    if (this.handle !== undefined) this.clock.cancel(this.handle);
    this.handle = undefined;
  }

  /**
   * The reader's transmitter may have gone idle (the slot of its last character ended, or its
   * queue was dropped): a count reached meanwhile fires now. Without this a waiting time that ran
   * out while the reader's own last character was still in its slot (12 + N etu, e.g. a 19-etu
   * CWT with N = 16 in the T=1 frame) would never fire.
   */
  senderIdle(): void {
    if (!this.overdue || !this.target || this.handle !== undefined || this.sending()) return;
    // Through the clock, never from inside the caller (a HAL call or another line event).
    this.handle = this.clock.schedule(0, () => this.fire());
  }

  private fire(): void {
    this.handle = undefined;
    // A character queued will restart the counter with its leading edge; one still in its slot
    // ends with senderIdle(), which fires it then.
    if (this.sending()) {
      this.overdue = true;
      return;
    }
    this.target = 0;
    this.overdue = false;
    this.expired();
  }
}
