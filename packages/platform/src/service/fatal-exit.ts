import type { Logger } from 'pino';

/** Logs why the service cannot start, flushes the log and exits 1: the launcher or compose restarts it. */
export async function exitOnStartupFailure(log: Logger, error: unknown, message: string): Promise<never> {
  log.fatal({ err: error }, message);
  await new Promise<void>((resolve) => log.flush(() => resolve()));
  process.exit(1);
}

/**
 * An exception nothing caught (one thrown inside the Kafka client's callbacks, a rejected promise nobody awaited)
 * leaves the process in an unknown state: it is logged as one line naming the service and what was thrown, and the
 * process exits 1 for its supervisor to restart it, instead of dying with a bare stack on stderr.
 */
export function exitOnUncaughtError(log: Logger, service: string): void {
  const fail = (error: unknown, origin: string): void => {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    log.fatal({ err: error, origin }, `${service} crashed (${origin}): ${reason}`);
    log.flush(() => process.exit(1));
    // A flush that never calls back must not keep a broken process alive.
    setTimeout(() => process.exit(1), 1000).unref();
  };
  // Without an unhandledRejection listener Node raises an unhandled rejection as uncaughtException, origin
  // 'unhandledRejection', so this one listener sees both.
  process.on('uncaughtException', (error, origin) => fail(error, origin));
}
