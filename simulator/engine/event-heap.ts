// Binary min-heap of scheduled events, ordered by (time, sequence): events at the same virtual
// time run in the order they were scheduled, which keeps every run deterministic.

export interface ScheduledEvent {
  time: number;
  seq: number;
  id: number;
  fn: () => void;
  cancelled: boolean;
}

function before(x: ScheduledEvent, y: ScheduledEvent): boolean {
  return x.time < y.time || (x.time === y.time && x.seq < y.seq);
}

export class EventHeap {
  private items: ScheduledEvent[] = [];

  get size(): number {
    return this.items.length;
  }

  push(e: ScheduledEvent): void {
    const items = this.items;
    items.push(e);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  peek(): ScheduledEvent | undefined {
    return this.items[0];
  }

  pop(): ScheduledEvent | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && before(items[l], items[m])) m = l;
        if (r < items.length && before(items[r], items[m])) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m], items[i]];
        i = m;
      }
    }
    return top;
  }

  /** Drops cancelled events (called when they pile up, so restarted timers cannot leak). */
  compact(): void {
    const live = this.items.filter((e) => !e.cancelled);
    this.items = [];
    for (const e of live) this.push(e);
  }
}
