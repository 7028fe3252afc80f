// /metrics in the Prometheus text exposition format (version 0.0.4): counters, gauges and
// histograms with labels. Small on purpose: the service needs a dozen series, not a client
// library. Label values are names and codes the service chooses, never card data.

type Labels = Record<string, string>;

const escapeLabel = (v: string): string =>
  v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labelText(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeLabel(labels[k])}"`).join(',')}}`;
}

const num = (v: number): string =>
  Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';

interface Metric {
  render(): string[];
}

export class Counter implements Metric {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.#values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.#values.set(key, entry);
  }

  get(labels: Labels = {}): number {
    return this.#values.get(labelText(labels))?.value ?? 0;
  }

  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} counter`,
      ...[...this.#values.values()].map(
        (e) => `${this.name}${labelText(e.labels)} ${num(e.value)}`,
      ),
    ];
  }
}

/** A gauge read when /metrics is rendered. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly collect: () => { labels?: Labels; value: number }[],
  ) {}

  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      ...this.collect().map((s) => `${this.name}${labelText(s.labels ?? {})} ${num(s.value)}`),
    ];
  }
}

/** Seconds; buckets from a fast APDU to a PIN entry a person takes their time over. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class Histogram implements Metric {
  readonly #series = new Map<
    string,
    { labels: Labels; counts: number[]; sum: number; count: number }
  >();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[] = LATENCY_BUCKETS,
  ) {}

  observe(labels: Labels, value: number): void {
    const key = labelText(labels);
    let s = this.#series.get(key);
    if (!s) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]++;
    });
    s.sum += value;
    s.count++;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.#series.values()) {
      this.buckets.forEach((b, i) => {
        lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: num(b) })} ${s.counts[i]}`);
      });
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${num(s.sum)}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines;
  }
}

export class MetricsRegistry {
  readonly #metrics: Metric[] = [];

  add<M extends Metric>(metric: M): M {
    this.#metrics.push(metric);
    return metric;
  }

  render(): string {
    return this.#metrics.map((m) => m.render().join('\n')).join('\n') + '\n';
  }
}

/** The service's series. Gauges are wired to live state by the service (app.ts). */
export interface ServiceMetrics {
  readonly registry: MetricsRegistry;
  /** Card operations by name and outcome ('ok' or the error code). */
  readonly operations: Counter;
  readonly operationSeconds: Histogram;
  /** HTTP responses by route template and status. */
  readonly requests: Counter;
  /** Events sent to WebSocket clients, by type. */
  readonly events: Counter;
  /** PIN entries by outcome. */
  readonly pinEntries: Counter;
}

export function serviceMetrics(): ServiceMetrics {
  const registry = new MetricsRegistry();
  return {
    registry,
    operations: registry.add(
      new Counter('kiosk_reader_operations_total', 'Card operations by name and outcome.'),
    ),
    operationSeconds: registry.add(
      new Histogram('kiosk_reader_operation_duration_seconds', 'Card operation latency.'),
    ),
    requests: registry.add(
      new Counter('kiosk_reader_http_requests_total', 'HTTP responses by route and status.'),
    ),
    events: registry.add(
      new Counter('kiosk_reader_events_total', 'Events delivered to WebSocket clients, by type.'),
    ),
    pinEntries: registry.add(
      new Counter(
        'kiosk_reader_pin_entries_total',
        'PIN entries on the reader keypad, by outcome.',
      ),
    ),
  };
}
