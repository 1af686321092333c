// Readiness is the sum of named checks (kafka, store, consumers-assigned, ...) that components register as they
// start. A check that hangs counts as down after a timeout, so a stuck dependency cannot hang the probe itself.

import { isAppError } from './errors.ts';

/**
 * Sync or async. Down when it throws or rejects, returns false, or returns `{ ok: false, detail?, code? }`; anything
 * else (including nothing) is up, so `() => store.ping()` is a complete check. A thrown AppError's code (not a socket
 * error's ECONNREFUSED) becomes the check's code, so a probe can tell "not yet" from "never, until fixed".
 */
export type ReadinessCheck = () => unknown;

export interface CheckResult {
  readonly status: 'up' | 'down';
  readonly detail?: string;
  /** A stable error code when the check knows why it is down (KAFKA_BROKER_UNSUPPORTED). */
  readonly code?: string;
}

export interface ReadinessReport {
  readonly ready: boolean;
  /** The code of the first down check that has one. */
  readonly code?: string;
  readonly checks: Readonly<Record<string, CheckResult>>;
}

export interface Readiness {
  /** Registers or replaces the check called `name`. */
  register(name: string, check: ReadinessCheck): void;
  unregister(name: string): void;
  run(): Promise<ReadinessReport>;
}

export interface ReadinessOptions {
  readonly timeoutMs?: number;
}

export function createReadiness(options: ReadinessOptions = {}): Readiness {
  const timeoutMs = options.timeoutMs ?? 2000;
  const checks = new Map<string, ReadinessCheck>();
  return {
    register(name, check) {
      checks.set(name, check);
    },
    unregister(name) {
      checks.delete(name);
    },
    async run() {
      const entries = [...checks].map(async ([name, check]) => [name, await runCheck(check, timeoutMs)] as const);
      const results = Object.fromEntries(await Promise.all(entries));
      const code = Object.values(results).find((r) => r.status === 'down' && r.code !== undefined)?.code;
      return {
        ready: Object.values(results).every((r) => r.status === 'up'),
        ...(code === undefined ? {} : { code }),
        checks: results,
      };
    },
  };
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'down', detail: `no answer within ${timeoutMs}ms` }), timeoutMs);
  });
  const outcome = (async (): Promise<CheckResult> => {
    try {
      const result = await check();
      if (result === false) return { status: 'down' };
      if (typeof result === 'object' && result !== null && 'ok' in result && result.ok === false) {
        const { detail, code } = result as { detail?: unknown; code?: unknown };
        return {
          status: 'down',
          ...(typeof detail === 'string' ? { detail } : {}),
          ...(typeof code === 'string' ? { code } : {}),
        };
      }
      return { status: 'up' };
    } catch (error) {
      return {
        status: 'down',
        detail: error instanceof Error ? error.message : String(error),
        ...(isAppError(error) ? { code: error.code } : {}),
      };
    }
  })();
  try {
    return await Promise.race([outcome, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
