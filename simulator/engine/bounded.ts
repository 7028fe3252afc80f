// Records that a long run keeps (logs, display history, trace lines) hold at most this many
// entries each, the oldest dropped first, so a simulator embedded in a service for days does not
// grow without bound.
export const MAX_RECORDS = 100_000;

/** Appends `item`, dropping the oldest entries beyond `max`. */
export function pushBounded<T>(list: T[], item: T, max = MAX_RECORDS): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}
