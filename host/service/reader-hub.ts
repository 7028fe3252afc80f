// The readers the service serves, under short ids for URLs (`sim`, `ttyUSB0`), from one or more
// driver contexts (host/reader/readers.ts): the hardware readers on the wall clock, and the
// embedded simulated reader on its own virtual clock. Their events become the service's JSON
// events; the service's card sessions (one shared driver session per slot) live here.
import { EventEmitter } from 'node:events';
import type { CardSession, Reader, Readers } from '../index.ts';
import { ServiceError } from './errors.ts';

export interface SlotView {
  index: number;
  kind: 'user' | 'sam';
  present: boolean;
  powered: boolean;
}

export interface ReaderView {
  id: string;
  path: string;
  simulated: boolean;
  state: 'connecting' | 'attached' | 'detached' | 'closed';
  profile: 'native' | 'compat' | null;
  capabilities: { pinPad: boolean; display: boolean; beeper: boolean };
  slots: SlotView[];
  /** Why the reader is detached, when it is. */
  error?: { code: string; message: string };
}

export type ReaderEventJson =
  | { type: 'reader-attached'; reader: string }
  | { type: 'reader-detached'; reader: string; error: { code: string; message: string } }
  | { type: 'card-inserted' | 'card-removed'; reader: string; slot: number; kind: 'user' | 'sam' };

export interface HubReader {
  readonly id: string;
  readonly reader: Reader;
  readonly simulated: boolean;
}

export interface ReaderHubEvents {
  event: [event: ReaderEventJson];
  /** What a driver context wants an operator to know (compat fallback, discovery without udev). */
  warning: [text: string];
}

export class ReaderHub extends EventEmitter<ReaderHubEvents> {
  readonly #contexts: { readers: Readers; simulated: boolean }[] = [];
  readonly #ids = new Map<string, string>(); // path → id
  readonly #sessions = new Map<string, CardSession>(); // `${id}/${slot}` → session

  /** Serves the readers of a driver context. */
  addContext(readers: Readers, options: { simulated: boolean }): void {
    this.#contexts.push({ readers, simulated: options.simulated });
    readers.on('warning', (text) => this.emit('warning', text));
    readers.on('reader-attached', (r) =>
      this.emit('event', { type: 'reader-attached', reader: this.#id(r) }),
    );
    readers.on('reader-detached', (r, e) => {
      this.#dropSessions(this.#id(r));
      this.emit('event', {
        type: 'reader-detached',
        reader: this.#id(r),
        error: { code: e.code, message: e.message },
      });
    });
    for (const name of ['card-inserted', 'card-removed'] as const) {
      readers.on(name, (e) =>
        this.emit('event', { type: name, reader: this.#id(e.reader), slot: e.slot, kind: e.kind }),
      );
    }
  }

  entries(): HubReader[] {
    return this.#contexts.flatMap(({ readers, simulated }) =>
      readers.all().map((reader) => ({ id: this.#id(reader), reader, simulated })),
    );
  }

  get(id: string): HubReader {
    const entry = this.entries().find((e) => e.id === id);
    if (!entry) {
      const known = this.entries().map((e) => e.id);
      throw new ServiceError(
        404,
        'unknown-reader',
        `no reader "${id}" (readers: ${known.join(', ') || 'none'})`,
      );
    }
    return entry;
  }

  /** The reader named, or the first attached one. */
  pick(id?: string): HubReader {
    if (id !== undefined) return this.get(id);
    const all = this.entries();
    const entry = all.find((e) => e.reader.attached) ?? all[0];
    if (!entry) throw new ServiceError(503, 'no-reader', 'no reader is attached');
    return entry;
  }

  view(entry: HubReader): ReaderView {
    const { reader } = entry;
    const caps = reader.capabilities;
    return {
      id: entry.id,
      path: reader.path,
      simulated: entry.simulated,
      state: reader.state,
      profile: caps?.profile ?? null,
      capabilities: {
        pinPad: caps?.pinVerify ?? false,
        display: caps?.display ?? false,
        beeper: caps?.beeper ?? false,
      },
      slots: reader.attached ? reader.slots.map((s) => ({ ...s })) : [],
      ...(reader.state === 'detached' && reader.lastError
        ? { error: { code: reader.lastError.code, message: reader.lastError.message } }
        : {}),
    };
  }

  /** The first user slot of a reader. */
  userSlot(entry: HubReader): number {
    return entry.reader.slots.find((s) => s.kind === 'user')?.index ?? 0;
  }

  /** The first SAM slot with a card in it, if any. */
  samSlot(entry: HubReader): number | undefined {
    return entry.reader.slots.find((s) => s.kind === 'sam' && s.present)?.index;
  }

  /**
   * The service's session on the card in `slot`: one shared driver session per slot, opened on
   * first use and again after the card was replaced. Exclusivity among the service's clients is
   * the service's business (sessions.ts); the driver's slot lock keeps each operation whole.
   */
  async channel(entry: HubReader, slot: number): Promise<CardSession> {
    const key = `${entry.id}/${slot}`;
    const open = this.#sessions.get(key);
    if (open?.connected) return open;
    this.#sessions.delete(key);
    const session = await entry.reader.connect(slot, { share: 'shared' });
    this.#sessions.set(key, session);
    return session;
  }

  async close(): Promise<void> {
    this.#sessions.clear();
    await Promise.all(this.#contexts.map((c) => c.readers.close()));
  }

  #dropSessions(id: string): void {
    for (const key of [...this.#sessions.keys()])
      if (key.startsWith(`${id}/`)) this.#sessions.delete(key);
  }

  #id(reader: Reader): string {
    let id = this.#ids.get(reader.path);
    if (id) return id;
    const base =
      reader.path === 'sim:embedded'
        ? 'sim'
        : reader.path.replace(/^.*[/\\:]/, '').replace(/[^A-Za-z0-9._-]/g, '_') || 'reader';
    const taken = new Set(this.#ids.values());
    id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    this.#ids.set(reader.path, id);
    return id;
  }
}
