import type { Counts, MinuteBucket } from './analytics-store.ts';

// The time series is kept per minute of event time for the last 24 hours: 1440 buckets, the current minute
// included. Buckets are kept exactly as long as a query can still ask for them, then expire (Redis) or are purged
// (SQLite).

export const MINUTE_MS = 60_000;
export const WINDOW_MINUTES = 24 * 60;

export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS);
}

/**
 * The bucket of an event at `time`, or undefined when that minute is not within 24 h of `now`: already out of the
 * window (a replayed backlog), or so far ahead that the producer's clock must be wrong. Such events still count in
 * the totals and per product.
 */
export function bucketMinute(time: number, now: number): number | undefined {
  const minute = minuteOf(time);
  const current = minuteOf(now);
  return minute > current - WINDOW_MINUTES && minute < current + WINDOW_MINUTES ? minute : undefined;
}

/** When a bucket leaves the window: at the start of the 1440th minute after it, in milliseconds since the epoch. */
export function bucketExpiresAt(minute: number): number {
  return (minute + WINDOW_MINUTES) * MINUTE_MS;
}

/** The first minute of the last `minutes` minutes up to and including the current one. */
export function firstMinuteOfLast(minutes: number, now: number): number {
  return minuteOf(now) - minutes + 1;
}

/** `count` buckets from `firstMinute` on, taking the counts found and zeros for the minutes without any. */
export function denseBuckets(firstMinute: number, count: number, found: ReadonlyMap<number, Counts>): MinuteBucket[] {
  return Array.from({ length: count }, (_, i) => {
    const minute = firstMinute + i;
    const counts = found.get(minute);
    return {
      minute,
      orders: counts?.orders ?? 0,
      quantity: counts?.quantity ?? 0,
      confirmed: counts?.confirmed ?? 0,
      rejected: counts?.rejected ?? 0,
    };
  });
}
