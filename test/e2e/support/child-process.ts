import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';

// A node child (the broker or a service) whose stdout is pino JSON: every line is kept in memory, parsed, for the
// scenarios to assert on after the fact, and stderr is kept as text for the failure report.

/** One pino line; `msg` is always present (a line that is not JSON is kept whole as its msg). */
export type LogLine = Readonly<Record<string, unknown>> & { readonly msg: string };

export interface LoggedChild {
  readonly label: string;
  readonly pid: number;
  readonly lines: LogLine[];
  readonly stderr: string[];
  /** Resolves with the exit code, or the signal name when a signal ended the process. */
  readonly exited: Promise<number | string>;
  isRunning(): boolean;
  signal(signal: NodeJS.Signals): void;
  /** Resolves with the first line `match` accepts, waiting for it up to `timeoutMs`; rejects when the child exits. */
  waitForLine(match: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
}

const running = new Set<ChildProcess>();

// A test process that dies on an uncaught error skips its after() hooks: never leave services behind it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function spawnLogged(
  label: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): LoggedChild {
  const child = spawn(process.execPath, [...args], { env: { ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${label} could not be started`);
  running.add(child);
  const lines: LogLine[] = [];
  const stderr: string[] = [];
  let alive = true;
  const exited = once(child, 'exit').then(([code, signal]) => {
    alive = false;
    running.delete(child);
    return (code as number | null) ?? (signal as string);
  });
  const wakers = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (text) => {
    lines.push(parseLine(text));
    for (const wake of wakers) wake();
  });
  createInterface({ input: child.stderr! }).on('line', (text) => stderr.push(text));

  return {
    label,
    pid: child.pid,
    lines,
    stderr,
    exited,
    isRunning: () => alive,
    signal(signal) {
      if (alive) child.kill(signal);
    },
    async waitForLine(match, what, timeoutMs = 30_000) {
      const found = lines.find(match);
      if (found) return found;
      let wake: () => void = () => undefined;
      const seen = new Promise<LogLine>((resolve) => {
        wake = () => {
          const line = lines.find(match);
          if (line) resolve(line);
        };
        wakers.add(wake);
      });
      const timeout = new AbortController();
      try {
        return await Promise.race([
          seen,
          exited.then((code) => {
            throw new Error(`${label} exited (${code}) before logging ${what}; stderr: ${stderr.join('\n')}`);
          }),
          delay(timeoutMs, undefined, { signal: timeout.signal }).then(() => {
            throw new Error(`${label} did not log ${what} within ${timeoutMs} ms`);
          }),
        ]);
      } finally {
        wakers.delete(wake);
        timeout.abort();
      }
    },
  };
}

function parseLine(text: string): LogLine {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { msg?: unknown }).msg === 'string') {
      return parsed as LogLine;
    }
  } catch {
    // Not pino: kept as text below.
  }
  return { msg: text };
}
