import type { Logger } from 'pino';

export interface ShutdownStep {
  /** Named in the log line when it fails. */
  readonly name: string;
  run(): Promise<unknown>;
}

export interface ShutdownOptions {
  readonly log: Logger;
  /**
   * The steps in order; an array of steps runs together (HTTP and the consumer, say). Later steps rely on earlier
   * ones being done: the producer closes after nothing publishes any more, the store after nothing writes.
   */
  readonly steps: readonly (ShutdownStep | readonly ShutdownStep[])[];
  /** After this the process exits 1 whatever is still running. Default 10 000 ms, inside Kubernetes' default 30 s. */
  readonly deadlineMs?: number;
}

export const SHUTDOWN_DEADLINE_MS = 10_000;

/**
 * On SIGTERM or SIGINT runs the steps in order under one deadline and exits 0, or 1 when a step failed or the
 * deadline passed. Returns the shutdown itself, for a caller that has its own reason to stop.
 */
export function exitOnShutdownSignals(options: ShutdownOptions): (reason: string) => Promise<void> {
  const { log, steps } = options;
  const deadlineMs = options.deadlineMs ?? SHUTDOWN_DEADLINE_MS;
  let running: Promise<void> | undefined;
  const shutdown = (signal: string): Promise<void> => {
    running ??= (async () => {
      log.info({ signal }, 'shutting down');
      setTimeout(() => {
        log.error({ timeoutMs: deadlineMs }, 'shutdown deadline passed, exiting');
        log.flush();
        process.exit(1);
      }, deadlineMs).unref();
      let code = 0;
      const run = async (step: ShutdownStep): Promise<void> => {
        try {
          await step.run();
        } catch (error) {
          code = 1;
          log.error({ err: error, step: step.name }, 'shutdown step failed');
        }
      };
      for (const step of steps) {
        await (Array.isArray(step) ? Promise.all(step.map(run)) : run(step as ShutdownStep));
      }
      log.info({ code }, 'stopped');
      log.flush(() => process.exit(code));
    })();
    return running;
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return shutdown;
}
