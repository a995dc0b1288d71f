import { describe, expect, test } from "bun:test";
import { decide } from "../../src/delivery/outcome";
import type { AttemptResult } from "../../src/delivery/http-client";
import { AttemptLimiter } from "../../src/delivery/rate-limit";
import { JITTER, nextDelay, parseRetryAfter } from "../../src/jobs/backoff";

const SCHEDULE = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
const none = () => 0;
const most = () => 0.999999;

describe("the retry schedule", () => {
  test("each failed attempt waits its step, and the eighth attempt is the last", () => {
    const delays = Array.from({ length: 8 }, (_, i) => nextDelay(SCHEDULE, i + 1, none));
    expect(delays).toEqual([...SCHEDULE, null]);
  });

  test("jitter lengthens a step by at most 20 % and never shortens it", () => {
    for (const random of [none, () => 0.5, most]) {
      const delay = nextDelay(SCHEDULE, 1, random) as number;
      expect(delay).toBeGreaterThanOrEqual(5_000);
      expect(delay).toBeLessThanOrEqual(5_000 * (1 + JITTER));
    }
  });

  test("a Retry-After asking for longer wins, but never past twice the step", () => {
    expect(nextDelay(SCHEDULE, 1, none, 8_000)).toBe(8_000);
    expect(nextDelay(SCHEDULE, 1, none, 60_000)).toBe(10_000);
  });

  test("a Retry-After asking for less than the step is ignored", () => {
    expect(nextDelay(SCHEDULE, 2, none, 1_000)).toBe(300_000);
  });

  test("Retry-After is read as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-12-03T12:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Thu, 03 Dec 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe("what an attempt means for its delivery", () => {
  const result = (over: Partial<AttemptResult>): AttemptResult => ({
    statusCode: 500,
    responseBody: "",
    error: "http_status",
    durationMs: 3,
    retryAfter: null,
    ...over,
  });
  const base = { attemptCount: 1, schedule: SCHEDULE, wasPending: true, now: 1_000, random: none };

  test("a 2xx is a success", () => {
    expect(decide({ ...base, result: result({ statusCode: 204, error: null }) }).status).toBe("success");
  });

  test("a 500 is retried after the first step", () => {
    expect(decide({ ...base, result: result({}) })).toEqual({ status: "pending", nextAttemptAt: 6_000, disable: null });
  });

  test("a 410 fails the delivery and disables the webhook as gone", () => {
    expect(decide({ ...base, result: result({ statusCode: 410 }) })).toEqual({
      status: "failed",
      nextAttemptAt: null,
      disable: "gone",
    });
  });

  test("a blocked address is not retried", () => {
    expect(decide({ ...base, result: result({ statusCode: 0, error: "blocked_address" }) }).status).toBe("failed");
  });

  test("every other kind of failure is retried", () => {
    for (const error of ["timeout", "connection_refused", "connection_reset", "dns", "tls", "redirect"] as const) {
      expect(decide({ ...base, result: result({ statusCode: 0, error }) }).status).toBe("pending");
    }
  });

  test("once the schedule is used up the delivery has failed", () => {
    expect(decide({ ...base, attemptCount: 8, result: result({}) }).status).toBe("failed");
  });

  test("Retry-After is honoured on 429 and 503 only", () => {
    const waited = (statusCode: number) =>
      (decide({ ...base, result: result({ statusCode, retryAfter: "8" }) }).nextAttemptAt as number) - base.now;
    expect(waited(429)).toBe(8_000);
    expect(waited(503)).toBe(8_000);
    expect(waited(500)).toBe(5_000);
  });

  test("a failed manual attempt on a finished delivery does not restart the schedule", () => {
    expect(decide({ ...base, wasPending: false, attemptCount: 3, result: result({}) }).status).toBe("failed");
  });
});

describe("a webhook's rate limit", () => {
  test("past the limit an attempt is put off until a slot in the last second frees", () => {
    const limiter = new AttemptLimiter(() => 0);
    expect(limiter.take("wh_1", 2, 1_000)).toBeNull();
    expect(limiter.take("wh_1", 2, 1_100)).toBeNull();
    expect(limiter.take("wh_1", 2, 1_200)).toBe(2_000);
    expect(limiter.take("wh_1", 2, 2_001)).toBeNull();
  });

  test("webhooks are limited apart, and no limit means no wait", () => {
    const limiter = new AttemptLimiter(() => 0);
    expect(limiter.take("wh_1", 1, 1_000)).toBeNull();
    expect(limiter.take("wh_2", 1, 1_000)).toBeNull();
    for (let i = 0; i < 100; i++) expect(limiter.take("wh_3", null, 1_000)).toBeNull();
  });
});
