// Per-webhook attempt limit (a webhook's `rateLimit`, attempts a second):
// a sliding one-second window of the attempts started in this process.
// Deliveries over the limit are put off, not dropped.

const WINDOW_MS = 1000;
/** Spreads put-off attempts a little so they do not all return at once. */
const SPREAD_MS = 50;

export class AttemptLimiter {
  private readonly started = new Map<string, number[]>();

  constructor(private readonly random: () => number = Math.random) {}

  /**
   * Null when an attempt to `webhookId` may start at `now` (and counts it),
   * else the time to try again.
   */
  take(webhookId: string, limit: number | null, now: number): number | null {
    if (!limit) {
      this.started.delete(webhookId);
      return null;
    }
    const recent = (this.started.get(webhookId) ?? []).filter((at) => at > now - WINDOW_MS);
    if (recent.length >= limit) {
      this.started.set(webhookId, recent);
      return recent[recent.length - limit] + WINDOW_MS + Math.floor(this.random() * SPREAD_MS);
    }
    recent.push(now);
    this.started.set(webhookId, recent);

    return null;
  }
}
