import { setTimeout as delay } from 'node:timers/promises';
import { PlatformErrors } from '../errors.ts';

/** How a failing handler is retried: `maxAttempts` counts every call, the first one included. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * The one retry budget every service's consumers use: 1000 calls with backoff capped at 5 s, over an hour, for errors
 * not known to be an outage (see the runner: an error marked `retriable` is retried until it passes and uses none of
 * this budget). Services do not pass their own, so a record is treated the same whichever service consumes it.
 */
export const defaultRetryPolicy: RetryPolicy = Object.freeze({
  maxAttempts: 1000,
  initialDelayMs: 100,
  maxDelayMs: 5000,
});

/**
 * Delay before the retry that follows the `failedAttempts`-th failure: exponential growth capped at maxDelayMs, with
 * "equal jitter" (a random point in the upper half) so that consumers failing together do not retry in lockstep while
 * each delay still grows with the attempt number.
 */
export function retryDelayMs(failedAttempts: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponent = Math.max(0, failedAttempts - 1);
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Resolves true after `ms`, or false as soon as `signal` aborts, so shutdown never waits out a backoff. */
export async function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) {
    return false;
  }
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch (error) {
    if (signal.aborted) {
      return false;
    }
    throw error;
  }
}

export function resolveRetryPolicy(overrides: Partial<RetryPolicy> | undefined): RetryPolicy {
  const policy = { ...defaultRetryPolicy, ...overrides };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw PlatformErrors.create(
      'KAFKA_CONFIG_INVALID',
      `retry.maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`,
    );
  }
  if (!(policy.initialDelayMs >= 0) || !(policy.maxDelayMs >= policy.initialDelayMs)) {
    throw PlatformErrors.create('KAFKA_CONFIG_INVALID', 'retry delays must satisfy 0 <= initialDelayMs <= maxDelayMs');
  }
  return Object.freeze(policy);
}
