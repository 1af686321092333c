import { setTimeout as delay } from 'node:timers/promises';

export interface EventuallyOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

/**
 * Calls `probe` until it returns without throwing, and returns what it returned. A probe asserts what it waits for,
 * so when the deadline passes the failure is the probe's own last assertion: what was expected and what was seen.
 * Tests wait for outcomes this way, never for a fixed time.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T> | T,
  { timeoutMs = 30_000, intervalMs = 50 }: EventuallyOptions = {},
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

/**
 * Reads until `done` accepts what `read` returned, and returns that: eventually() for a test that waits for a value
 * rather than asserts one. When the deadline passes the failure shows the last value seen.
 */
export function waitUntil<T>(
  what: string,
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  options: EventuallyOptions = {},
): Promise<T> {
  return eventually(
    what,
    async () => {
      const value = await read();
      if (!done(value)) throw new Error(`last seen: ${describe(value)}`);
      return value;
    },
    options,
  );
}

function describe(value: unknown): string {
  const body = (value as { body?: unknown } | null)?.body;
  const shown =
    typeof (value as { statusCode?: unknown } | null)?.statusCode === 'number'
      ? { statusCode: (value as { statusCode: number }).statusCode, body }
      : value;
  try {
    return String(JSON.stringify(shown)).slice(0, 1000);
  } catch {
    return String(shown).slice(0, 1000);
  }
}
