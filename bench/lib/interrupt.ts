// How a benchmark takes Ctrl-C: it finishes the step under way, then stops everything it started.

/**
 * Aborted by the first Ctrl-C or SIGTERM: the benchmark then stops after the slice under way and stops what it
 * started. A Ctrl-C reaches the child processes too (one process group), which then stop by themselves.
 */
export function interruptOnSignals(): AbortSignal {
  const interrupted = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted.signal.aborted) return;
      console.error(`\n${signal}: stopping what this benchmark started`);
      interrupted.abort();
    });
  }
  return interrupted.signal;
}
