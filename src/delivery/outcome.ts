// What an attempt means for its delivery, as a pure function: success,
// another try at a given time, or the end. The job handler applies it.
//
//   answer                          | delivery
//   2xx                             | success
//   410 Gone                        | failed; the webhook is disabled ("gone")
//   blocked_address                 | failed: the target will not change by waiting
//     (also a request Herald cannot build from the stored webhook; see wire.ts)
//   anything else, schedule left    | pending, next attempt per the schedule
//   anything else, schedule used up | failed
//
// A manual attempt on a delivery that had already finished (success or
// failed) is one more try, not a restart of the schedule: if it fails the
// delivery is failed. On a pending delivery it counts as the next attempt
// and the schedule carries on from there.

import { nextDelay, parseRetryAfter } from "../jobs/backoff";
import type { AttemptResult } from "./http-client";

export interface Decision {
  status: "pending" | "success" | "failed";
  /** Epoch ms of the next attempt; null unless pending. */
  nextAttemptAt: number | null;
  /** Set when the answer disables the webhook. */
  disable: "gone" | null;
}

export interface DecideInput {
  result: AttemptResult;
  /** Attempts made so far, this one included. */
  attemptCount: number;
  schedule: readonly number[];
  /** The delivery was still retrying when this attempt began. */
  wasPending: boolean;
  now: number;
  random?: () => number;
}

export const succeeded = (result: AttemptResult) =>
  result.error === null && result.statusCode >= 200 && result.statusCode < 300;

export function decide(input: DecideInput): Decision {
  const { result } = input;
  if (succeeded(result)) return { status: "success", nextAttemptAt: null, disable: null };
  if (result.statusCode === 410) return { status: "failed", nextAttemptAt: null, disable: "gone" };
  if (result.error === "blocked_address" || !input.wasPending) {
    return { status: "failed", nextAttemptAt: null, disable: null };
  }

  // Retry-After counts only where RFC 9110 gives it meaning for a retry.
  const honoured = result.statusCode === 429 || result.statusCode === 503;
  const retryAfterMs = honoured ? parseRetryAfter(result.retryAfter, input.now) : undefined;
  const delay = nextDelay(input.schedule, input.attemptCount, input.random, retryAfterMs);
  if (delay === null) return { status: "failed", nextAttemptAt: null, disable: null };

  return { status: "pending", nextAttemptAt: input.now + delay, disable: null };
}
