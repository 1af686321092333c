// Ctrl-C handling of the long-running commands (up, broker, tail). One Ctrl-C can arrive twice within milliseconds:
// `npm start` and `npx` forward SIGINT to their child while the terminal sends it to the whole foreground process
// group as well. So a repeat within REPEAT_WINDOW_MS is that same Ctrl-C, and only a later one means "force".
// SIGHUP counts as a stop too: closing the terminal must not leave children running that live in their own groups.

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const REPEAT_WINDOW_MS = 1000;

export interface ShutdownHandlers {
  /** The first signal: shut down gracefully. */
  stop(signal: NodeJS.Signals): void;
  /** A signal after the graceful shutdown began (and after the repeat window): give up waiting. */
  force(signal: NodeJS.Signals): void;
}

/** Installs the handlers; the returned function removes them. */
export function onShutdownSignals(handlers: ShutdownHandlers): () => void {
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
  return () => {
    for (const signal of SIGNALS) process.removeListener(signal, listener);
  };
}
