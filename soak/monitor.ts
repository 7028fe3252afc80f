// The invariants of a soak life, checked while it runs. Every host request goes through `op`,
// which records when it started, checks that it ends within its bound with a value or a typed
// error (the driver's ReaderError, the card applications' CardError), and hands what came back
// to the PIN scanner. The first violation ends the life; it carries the virtual time at which it
// was seen.
import { createHash, type Hash } from 'node:crypto';
import { isCardError } from '../host/cards/card-error.ts';
import { isReaderError } from '../host/ccid/errors.ts';
import { PinScanner } from './pins.ts';

export const INVARIANTS = [
  /** Every host request gets exactly one answer, or a typed error, within its bound. */
  'answer',
  /** A failure is a typed error (ReaderError, CardError), or an HTTP 4xx/5xx with a clear body, never 500. */
  'typed-error',
  /** Data from one card is never reported for another card or another session. */
  'card-identity',
  /** Every slot returns to a known state; the reader never hangs. */
  'slot-state',
  /** No PIN digit ever appears on the host side. */
  'pin-leak',
  /** Firmware memory (heap top, pages) and host memory (timers, listeners, queues) stay bounded. */
  'memory',
  /** No firmware panic, trap or HAL misuse. */
  'firmware-panic',
  /** In a visit without faults, an operation ends the way its inputs say (a right PIN is ok). */
  'outcome',
] as const;

export type InvariantName = (typeof INVARIANTS)[number];

export interface Violation {
  invariant: InvariantName;
  /** Virtual ms since the life began. */
  atMs: number;
  detail: string;
  /** The known issue (known-issues.ts) this violation is, if any. */
  knownIssue?: string;
}

export type Outcome<T> =
  { ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number };

interface PendingOp {
  id: number;
  name: string;
  startMs: number;
  boundMs: number;
  reported: boolean;
}

export class Monitor {
  readonly violations: Violation[] = [];
  readonly scanner = new PinScanner();
  readonly stats = {
    ops: 0,
    ok: 0,
    typedErrors: 0,
    errorCodes: new Map<string, number>(),
    /** The first request and message seen for each error code. */
    examples: new Map<string, string>(),
  };
  readonly #pending = new Map<number, PendingOp>();
  readonly #digest: Hash = createHash('sha256');
  #nextId = 1;

  /**
   * `now`: virtual ms of the life; `log`: one line per answer and per event of the life
   * (`--log`), to follow a replay.
   */
  constructor(
    private readonly now: () => number,
    private readonly log?: (line: string) => void,
  ) {}

  /** Something happened in the life (a card, a fault): logged with `--log`. */
  note(text: string): void {
    this.log?.(`${clockText(this.now())}  ${text}`);
  }

  get failed(): boolean {
    return this.violations.length > 0;
  }

  violate(invariant: InvariantName, detail: string): void {
    this.note(`VIOLATION ${invariant}: ${detail}`);
    this.violations.push({ invariant, atMs: Math.round(this.now()), detail });
  }

  /** Runs one host request under the answer and typed-error invariants. */
  async op<T>(name: string, boundMs: number, run: () => Promise<T>): Promise<Outcome<T>> {
    const op: PendingOp = {
      id: this.#nextId++,
      name,
      startMs: this.now(),
      boundMs,
      reported: false,
    };
    this.#pending.set(op.id, op);
    this.stats.ops++;
    let outcome: Outcome<T>;
    try {
      const value = await run();
      outcome = { ok: true, value, ms: this.now() - op.startMs };
      this.stats.ok++;
      this.scanner.add(`result of ${name}`, value);
    } catch (error) {
      outcome = { ok: false, error, ms: this.now() - op.startMs };
      this.scanner.add(`error of ${name}`, error);
      if (isTyped(error)) {
        this.stats.typedErrors++;
        const code = errorCode(error);
        this.stats.errorCodes.set(code, (this.stats.errorCodes.get(code) ?? 0) + 1);
        if (!this.stats.examples.has(code))
          this.stats.examples.set(code, `${name}: ${(error as Error).message}`);
      } else {
        this.violate('typed-error', `${name}: untyped failure ${describe(error)}`);
      }
    }
    this.#pending.delete(op.id);
    this.note(
      `${name} → ${outcome.ok ? 'answered' : `${errorCode(outcome.error)}: ${(outcome.error as Error)?.message}`} (${Math.round(outcome.ms)} ms)`,
    );
    this.#digest.update(
      `${name}|${outcome.ok ? 'ok' : errorCode(outcome.error)}|${this.now().toFixed(6)}\n`,
    );
    if (outcome.ms > boundMs && !op.reported) {
      this.violate(
        'answer',
        `${name}: answered after ${Math.round(outcome.ms)} ms, past its bound of ${boundMs} ms`,
      );
    }
    return outcome;
  }

  /** Hash of every answer so far: two runs of one seed give the same. */
  digest(): string {
    return this.#digest.copy().digest('hex');
  }

  /** Requests past their bound without an answer (checked at every tick of the life). */
  checkBounds(): void {
    const now = this.now();
    for (const op of this.#pending.values()) {
      if (!op.reported && now - op.startMs > op.boundMs) {
        op.reported = true;
        this.violate(
          'answer',
          `${op.name}: no answer ${Math.round(now - op.startMs)} ms after it was sent (bound ${op.boundMs} ms)`,
        );
      }
    }
  }

  /** Requests still waiting for an answer. */
  pending(): { name: string; ageMs: number }[] {
    const now = this.now();
    return [...this.#pending.values()].map((o) => ({ name: o.name, ageMs: now - o.startMs }));
  }

  /** Scans the host-side material gathered since the last scan for the PINs typed so far. */
  scanForPins(): void {
    for (const hit of this.scanner.scan()) {
      this.violate(
        'pin-leak',
        `a typed PIN (${hit.pin.length} digits) appeared on the host side as ${hit.encoding}, in ${hit.where}`,
      );
    }
  }
}

export function isTyped(e: unknown): boolean {
  return isReaderError(e) || isCardError(e);
}

export function errorCode(e: unknown): string {
  if (isReaderError(e)) return e.code;
  if (isCardError(e)) return `card ${e.code}`;
  return e instanceof Error ? e.name : typeof e;
}

export function describe(e: unknown): string {
  if (e instanceof Error) {
    const at = (e.stack ?? '').split('\n').find((l) => l.trim().startsWith('at '));
    return `${e.name}: ${e.message}${at ? ` (${at.trim()})` : ''}`;
  }
  return String(e);
}

/** Virtual ms of a life (0 = 08:00 on day 1, the first opening) as "day 2 14:03:07.250". */
export function clockText(ms: number): string {
  const at = ms + 8 * 3_600_000;
  const day = Math.floor(at / 86_400_000);
  const t = new Date(at - day * 86_400_000).toISOString().slice(11, 23);
  return `day ${day + 1} ${t}`;
}
