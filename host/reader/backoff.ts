// Bounded exponential backoff for reopening a lost reader: quick at first (a cable glitch), then
// no more often than every few seconds (a reader unplugged for a while), never giving up.

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 5000 };

/** Delay before attempt `attempt` (0-based). */
export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
}
