// The reader's keypad. Keys reach only the firmware (on_key); scripts play keys with their timing.
// A script starts when the firmware next asks for a PIN: the moment the display shows the
// secure-entry indicator (display.ts, SECURE_ENTRY_INDICATOR). If secure entry is already active
// when the script is given, it starts at once.
import type { Key } from '../../firmware/hal.ts';
import type { VirtualClock } from '../engine/virtual-clock.ts';
import { NS_PER_MS } from '../engine/virtual-clock.ts';
import { KEY_INTERVAL_MS, type KeyStep, keyLabel, parseKeyScript } from './key-script.ts';
import { pushBounded } from '../engine/bounded.ts';

export interface KeypadOptions {
  keyIntervalMs?: number;
}

export class Keypad {
  private readonly waiting: KeyStep[][] = [];
  private playing = false;
  private secureEntry = false;
  private readonly handles = new Set<number>();
  private readonly keyIntervalMs: number;
  /** Keys pressed so far (labels: digits are `*`). */
  readonly pressed: string[] = [];

  constructor(
    private readonly clock: VirtualClock,
    private readonly deliver: (key: Key) => void,
    private readonly note: (text: string) => void,
    options: KeypadOptions = {},
  ) {
    this.keyIntervalMs = options.keyIntervalMs ?? KEY_INTERVAL_MS;
  }

  /** Presses one key now (interactive use). */
  press(key: Key): void {
    pushBounded(this.pressed, keyLabel(key));
    this.note(`key ${keyLabel(key)}`);
    this.deliver(key);
  }

  /** Queues a key script; it plays at the next PIN prompt (or now, if one is showing). */
  type(script: string | KeyStep[]): void {
    const steps = typeof script === 'string' ? parseKeyScript(script) : script;
    this.waiting.push(steps);
    this.note(`key script armed (${steps.filter((s) => s.kind === 'key').length} keys)`);
    if (this.secureEntry) this.startNext();
  }

  /** Scripts still waiting for a PIN prompt. */
  get armedScripts(): number {
    return this.waiting.length;
  }

  /** Whether a script is playing now. */
  get busy(): boolean {
    return this.playing;
  }

  /** The display's secure-entry indicator went on or off. */
  setSecureEntry(active: boolean): void {
    const rising = active && !this.secureEntry;
    this.secureEntry = active;
    if (rising) this.startNext();
  }

  /** Drops every script (power cut: nobody is typing into a dead reader… they are, but in vain). */
  cancelAll(): void {
    for (const h of this.handles) this.clock.cancel(h);
    this.handles.clear();
    this.waiting.length = 0;
    this.playing = false;
  }

  private startNext(): void {
    if (this.playing) return;
    const steps = this.waiting.shift();
    if (!steps) return;
    this.playing = true;
    let at = 0;
    for (const step of steps) {
      if (step.kind === 'wait') {
        at += step.ms;
        continue;
      }
      at += this.keyIntervalMs;
      this.after(at, () => this.press(step.key));
    }
    this.after(at, () => {
      this.playing = false;
      if (this.secureEntry) this.startNext();
    });
  }

  private after(ms: number, fn: () => void): void {
    const h = this.clock.schedule(ms * NS_PER_MS, () => {
      this.handles.delete(h);
      fn();
    });
    this.handles.add(h);
  }
}
