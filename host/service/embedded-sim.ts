// The embedded simulated reader: the real firmware.wasm in the simulator, in this process, with
// a card in the user slot and a PSAM in the first SAM slot. The service uses it when no reader is
// attached (or with --sim). Only this composition root touches the simulator (ARCHITECTURE §2).
//
// The reader panel (host/web/panel.html) drives it through panel() — keys to the simulator's
// keypad, cards in and out, the USB cable — never through the API that applications use.
import type { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import { Key, SLOT_COUNT, USER_SLOT } from '../../firmware/hal.ts';
import { CardSpecError, createLabelledCard, describeProfiles } from '../../simulator/cards.ts';
import { Simulation } from '../../simulator/simulation.ts';
import type { Clock } from '../clock.ts';
import { streamTransport } from '../transport/stream-transport.ts';
import type { Transport } from '../transport/transport.ts';
import { ServiceError } from './errors.ts';
import {
  PANEL_KEYS,
  type PanelKey,
  type PanelPersona,
  type ReaderPanel,
  type SimPanelState,
} from './panel.ts';

export { PANEL_KEYS, type PanelKey, type PanelPersona, type SimPanelState };

/** The SAM slot the PSAM goes into. */
export const SIM_SAM_SLOT = 1;

const NAMED: Record<string, Key> = {
  enter: Key.Enter,
  cancel: Key.Cancel,
  clear: Key.Clear,
  backspace: Key.Backspace,
};

export interface EmbeddedSimEvents {
  /** Anything the panel shows changed: the display, a card, the cable. */
  changed: [state: SimPanelState];
}

export interface EmbeddedSimOptions {
  /** 'realtime' for `npm start` and the browser test; 'fast' for tests on virtual time. */
  mode: 'realtime' | 'fast';
  seed?: number;
  card?: string;
  sam?: string;
}

export class EmbeddedSimulator extends EventEmitter<EmbeddedSimEvents> {
  readonly sim: Simulation;
  readonly transport: Transport;
  #plugged = true;
  #stream: Duplex | undefined;
  readonly #cards: (string | null)[] = Array.from({ length: SLOT_COUNT }, () => null);
  #lastDisplay = '';

  private constructor(sim: Simulation) {
    super();
    this.sim = sim;
    this.transport = streamTransport('sim:embedded', () => {
      if (!this.#plugged) throw new Error('the simulated reader is unplugged');
      this.#stream = sim.hostStream();
      return this.#stream;
    });
  }

  static async start(options: EmbeddedSimOptions): Promise<EmbeddedSimulator> {
    let self: EmbeddedSimulator | undefined;
    // The display's changes reach us through the trace (the simulator records each one there);
    // no card-line data is kept.
    const sim = await Simulation.create({
      seed: options.seed ?? 1,
      mode: options.mode,
      trace: {
        keep: false,
        write: (line) => {
          if (self) self.#traced(line);
        },
      },
    });
    self = new EmbeddedSimulator(sim);
    if (options.card) self.insert(USER_SLOT, options.card);
    if (options.sam) self.insert(SIM_SAM_SLOT, options.sam);
    void sim.run();
    return self;
  }

  /** The driver's clock: virtual milliseconds of this simulation. */
  get clock(): Clock {
    return this.sim.clientClock;
  }

  get plugged(): boolean {
    return this.#plugged;
  }

  state(): SimPanelState {
    return {
      display: this.sim.reader.display.rows(),
      plugged: this.#plugged,
      slots: this.#cards.map((card, index) => ({
        index,
        kind: index === USER_SLOT ? 'user' : 'sam',
        card,
      })),
    };
  }

  /** Cards the panel offers (labels only). */
  personas(): PanelPersona[] {
    return describeProfiles().flatMap((p) =>
      p.personas.map((persona) => ({
        spec: persona.spec,
        profile: p.name,
        label: persona.label,
        kind: p.name === 'psam' ? ('sam' as const) : ('user' as const),
      })),
    );
  }

  /** Puts a card into `slot`, replacing the one there. Throws CardSpecError for a bad spec. */
  insert(slot: number, spec: string): void {
    this.#checkSlot(slot);
    const { card, label } = createLabelledCard(spec, { prng: this.sim.prng });
    if (this.#cards[slot] !== null) this.sim.removeCard(slot);
    this.sim.insertCard(slot, card);
    this.#cards[slot] = label;
    this.#changed();
  }

  remove(slot: number): void {
    this.#checkSlot(slot);
    if (this.#cards[slot] === null) return;
    this.sim.removeCard(slot);
    this.#cards[slot] = null;
    this.#changed();
  }

  /** One key on the reader's keypad. */
  press(key: PanelKey): void {
    const code = /^[0-9]$/.test(key) ? (Number(key) as Key) : NAMED[key];
    if (code === undefined) throw new RangeError(`unknown key ${JSON.stringify(key)}`);
    this.sim.reader.keypad.press(code);
  }

  /** Pulls the USB cable: the link breaks and stays broken until plug(). */
  unplug(): void {
    if (!this.#plugged) return;
    this.#plugged = false;
    this.#stream?.destroy();
    this.#stream = undefined;
    this.#changed();
  }

  plug(): void {
    if (this.#plugged) return;
    this.#plugged = true;
    this.#changed();
  }

  /** What the reader panel's routes may do, with a bad card spec as a 400. */
  panel(): ReaderPanel {
    return {
      state: () => this.state(),
      personas: () => this.personas(),
      press: (key) => this.press(key),
      insert: (slot, spec) => {
        try {
          this.insert(slot, spec);
        } catch (e) {
          if (e instanceof CardSpecError) throw new ServiceError(400, 'bad-request', e.message);
          throw e;
        }
      },
      remove: (slot) => this.remove(slot),
      plug: () => this.plug(),
      unplug: () => this.unplug(),
      watch: (listener) => {
        this.on('changed', listener);
        return () => this.off('changed', listener);
      },
    };
  }

  async stop(): Promise<void> {
    this.#stream?.destroy();
    await this.sim.stop();
  }

  #checkSlot(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT)
      throw new RangeError(`slot must be 0..${SLOT_COUNT - 1}, got ${slot}`);
  }

  #traced(line: string): void {
    if (!/^\s*\S+ display /.test(line)) return;
    const rows = this.sim.reader.display.rows().join('\n');
    if (rows === this.#lastDisplay) return;
    this.#lastDisplay = rows;
    this.#changed();
  }

  #changed(): void {
    this.emit('changed', this.state());
  }
}
