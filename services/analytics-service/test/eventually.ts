import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `probe` until `done` accepts what it returns, then returns that. Fails after `timeoutMs` with the last value
 * seen, so a test waiting for an outcome that never comes says what it saw instead.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 30_000, what = 'condition' }: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (done(last)) return last;
    if (performance.now() > deadline) {
      throw new Error(`${what} not reached within ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
    }
    await delay(50);
  }
}
