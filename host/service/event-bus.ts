// The WebSocket clients and what they are sent: reader and card events and session changes go
// to every client; PIN-entry progress (a count of digits, never a digit) only to the clients of
// the application that started the entry. Pushed, so no client polls (USERS.md).
import { randomBytes } from 'node:crypto';
import type { ReaderEventJson } from './reader-hub.ts';
import type { SessionEventJson } from './sessions.ts';

export type PinEventJson =
  | { type: 'pin-entry-started'; reader: string; operation: 'verify' | 'change' }
  | {
      type: 'pin-progress';
      reader: string;
      /** How many digits are typed so far for the PIN being entered. */
      digits: number;
      stage: 'current' | 'new' | 'confirm';
    }
  | { type: 'pin-entry-ended'; reader: string; outcome: string };

export type ServiceEventJson = ReaderEventJson | SessionEventJson | PinEventJson;

export interface EventClient {
  readonly id: string;
  readonly application: string;
  send(text: string): void;
}

export class EventBus {
  readonly #clients = new Map<string, EventClient>();
  readonly #onSent: (type: string) => void;

  constructor(onSent: (type: string) => void = () => {}) {
    this.#onSent = onSent;
  }

  get size(): number {
    return this.#clients.size;
  }

  newClientId(): string {
    return randomBytes(12).toString('hex');
  }

  add(client: EventClient): void {
    this.#clients.set(client.id, client);
  }

  remove(id: string): void {
    this.#clients.delete(id);
  }

  /** The application of a connected client, or undefined. */
  applicationOf(id: string): string | undefined {
    return this.#clients.get(id)?.application;
  }

  /** Sends `event` to every client, or to the clients of one application. */
  publish(event: ServiceEventJson, application?: string): void {
    const text = JSON.stringify({ ...event, time: new Date().toISOString() });
    for (const c of this.#clients.values()) {
      if (application !== undefined && c.application !== application) continue;
      try {
        c.send(text);
        this.#onSent(event.type);
      } catch {
        // A client whose socket broke is removed when its close event arrives.
      }
    }
  }
}
