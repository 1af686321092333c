import { setTimeout as delay } from 'node:timers/promises';

/**
 * Calls `probe` until it returns without throwing, and returns what it returned. A probe asserts what it waits for,
 * so when the deadline passes the failure is the probe's own last assertion: what was expected and what was seen.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (performance.now() >= deadline) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`${what}: not reached within ${timeoutMs} ms; last check: ${reason}`, { cause: error });
      }
    }
    await delay(intervalMs);
  }
}
