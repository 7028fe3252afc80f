// A FakeHal with scripted cards behind the card interface: after a cold or warm reset (RST
// high) a card answers its ATR, and then answers each expected run of characters from the
// reader with the bytes of its script. Answers are queued, never delivered inside a HAL call
// (firmware/HAL.md rule 2): `pump()` delivers them, one event at a time, as the runtime would.
import type { HalImports } from '../hal.ts';
import { FakeHal } from './fake-hal.ts';
import { hex } from './wire.ts';

export interface CardStep {
  /** What the reader sends. */
  expect: number[];
  /** What the card answers at once. */
  reply: number[];
  /** Answered only when the test calls `release(slot)` (a slow card). */
  later?: number[];
}

export class ScriptedCardHal extends FakeHal {
  private readonly queue: { slot: number; byte: number }[] = [];
  private readonly atr = new Map<number, number[]>();
  private readonly script = new Map<number, CardStep[]>();
  private readonly received = new Map<number, number[]>();
  private readonly held = new Map<number, number[]>();

  insert(slot: number, atr: number[], script: CardStep[] = []): void {
    this.present[slot] = 1;
    this.atr.set(slot, atr);
    this.script.set(slot, [...script]);
    this.received.set(slot, []);
  }

  override imports(): HalImports {
    const base = super.imports();
    return {
      ...base,
      card_reset: (slot, high) => {
        base.card_reset(slot, high);
        const atr = this.atr.get(slot);
        if (high && atr) for (const byte of atr) this.queue.push({ slot, byte });
      },
      card_send: (slot, ptr, len) => {
        base.card_send(slot, ptr, len);
        const got = this.received.get(slot);
        const steps = this.script.get(slot);
        if (!got || !steps) return;
        got.push(...new Uint8Array(this.exports.memory.buffer, ptr, len));
        const step = steps[0];
        if (!step || got.length < step.expect.length) return;
        if (hex(got) !== hex(step.expect)) {
          throw new Error(`card ${slot} expected ${hex(step.expect)}, got ${hex(got)}`);
        }
        steps.shift();
        got.length = 0;
        for (const byte of step.reply) this.queue.push({ slot, byte });
        if (step.later) this.held.set(slot, step.later);
      },
    };
  }

  /** Delivers the queued card characters. */
  pump(): void {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      this.exports.on_card_rx(next.slot, next.byte, 0);
    }
  }

  /** The slow card sends what it held back. */
  release(slot: number): void {
    for (const byte of this.held.get(slot) ?? []) this.queue.push({ slot, byte });
    this.held.delete(slot);
    this.pump();
  }

  /** Host bytes in, card characters delivered, timers up to `ms` fired, in turn until quiet. */
  run(hostBytes: ArrayLike<number>, ms = 20): void {
    this.hostWrite(hostBytes);
    for (let i = 0; i < ms; i++) {
      this.pump();
      this.advance(1);
    }
    this.pump();
  }
}
