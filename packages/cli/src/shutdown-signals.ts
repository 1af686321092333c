// Ctrl-C handling of the long-running commands (up, broker, tail). One Ctrl-C can arrive twice within milliseconds:
// `npm start` and `npx` forward SIGINT to their child while the terminal sends it to the whole foreground process
// group as well. So a repeat within REPEAT_WINDOW_MS is that same Ctrl-C, and only a later one means "force".
// SIGHUP counts as a stop too: closing the terminal must not leave children running that live in their own groups.

import { setTimeout as delay } from 'node:timers/promises';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const REPEAT_WINDOW_MS = 1000;

export interface ShutdownHandlers {
  /** The first signal: shut down gracefully. */
  stop(signal: NodeJS.Signals): void;
  /** A signal after the graceful shutdown began (and after the repeat window): give up waiting. */
  force(signal: NodeJS.Signals): void;
}

export interface ShutdownSignals {
  /**
   * Removes the handlers. When a stop signal came less than the repeat window ago, it first waits for the window to
   * close: a process that finished its shutdown quickly would otherwise meet the repeated Ctrl-C without a handler (or
   * while Node tears its handlers down on exit) and die of SIGINT instead of exiting with its own code.
   */
  release(): Promise<void>;
}

/** Installs the handlers until release(). */
export function onShutdownSignals(handlers: ShutdownHandlers): ShutdownSignals {
  let firstAt: number | undefined;
  const listener = (signal: NodeJS.Signals) => {
    const now = performance.now();
    if (firstAt === undefined) {
      firstAt = now;
      handlers.stop(signal);
    } else if (now - firstAt >= REPEAT_WINDOW_MS) {
      handlers.force(signal);
    }
  };
  for (const signal of SIGNALS) process.on(signal, listener);
  return {
    async release() {
      const repeatPossibleFor = firstAt === undefined ? 0 : firstAt + REPEAT_WINDOW_MS - performance.now();
      if (repeatPossibleFor > 0) await delay(repeatPossibleFor);
      for (const signal of SIGNALS) process.removeListener(signal, listener);
    },
  };
}
