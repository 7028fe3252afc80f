// What the reader panel page (host/web/panel.html) may do with the simulated reader, as an
// interface: the routes (routes-panel.ts) work on it, and the composition root (service.ts, with
// embedded-sim.ts) hands them the simulated reader's. Nothing here touches the simulator.

export type PanelKey =
  | '0'
  | '1'
  | '2'
  | '3'
  | '4'
  | '5'
  | '6'
  | '7'
  | '8'
  | '9'
  | 'enter'
  | 'cancel'
  | 'clear'
  | 'backspace';

export const PANEL_KEYS: readonly PanelKey[] = [
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
  'enter',
  'cancel',
  'clear',
  'backspace',
];

/** A card a panel can insert: no persona data (and never a PIN) leaves the simulator. */
export interface PanelPersona {
  spec: string;
  profile: string;
  label: string;
  /** 'sam' cards go into SAM slots, the others into the user slot. */
  kind: 'user' | 'sam';
}

export interface SimPanelState {
  display: string[];
  plugged: boolean;
  slots: { index: number; kind: 'user' | 'sam'; card: string | null }[];
}

/** The simulated reader as the panel drives it. */
export interface ReaderPanel {
  state(): SimPanelState;
  /** Cards the panel offers (labels only). */
  personas(): PanelPersona[];
  /** One key on the reader's keypad. */
  press(key: PanelKey): void;
  /** A card into `slot`; a spec the simulator does not know is a ServiceError 400. */
  insert(slot: number, spec: string): void;
  remove(slot: number): void;
  /** The USB cable. */
  plug(): void;
  unplug(): void;
  /** Calls `listener` with the state after each change; returns what stops it. */
  watch(listener: (state: SimPanelState) => void): () => void;
}
