// The retry policy, as pure functions. The schedule is the list of delays
// after the first attempt (HERALD_RETRY_SCHEDULE); a delivery gets one
// attempt more than the schedule has steps, then it has failed.
//
//   attempt that failed | next attempt after (default schedule)
//   1                   | 5 s
//   2                   | 5 min
//   3                   | 30 min
//   4                   | 2 h
//   5                   | 5 h
//   6                   | 10 h
//   7                   | 10 h
//   8                   | none: the delivery is failed

/** Jitter lengthens a step by 0 to 20 %, never shortens it. */
export const JITTER = 0.2;

/**
 * The delay before the next attempt after `attemptCount` attempts have
 * failed, or null when the schedule is used up. `retryAfterMs` (from a
 * 429/503 `Retry-After`) wins when it asks for longer, up to twice the step.
 */
export function nextDelay(
  schedule: readonly number[],
  attemptCount: number,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number | null {
  const step = schedule[attemptCount - 1];
  if (step === undefined) return null;
  const jittered = Math.round(step * (1 + JITTER * random()));
  if (retryAfterMs !== undefined && retryAfterMs > jittered) {
    return Math.min(retryAfterMs, step * 2);
  }

  return jittered;
}

/** Parses a Retry-After header (seconds or an HTTP date) into ms. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);

  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
