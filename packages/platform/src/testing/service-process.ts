import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** A service's src/main.ts running in its own process, as a container runs it. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  /** stderr so far: where a configuration error's one line goes. */
  stderr(): string;
  /** The JSON log lines so far. */
  readonly logs: readonly Record<string, unknown>[];
  /** Resolves with the first log line for which `match` holds; rejects when the process exits first. */
  logLine(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Resolves with the base URL once the HTTP server logs that it listens; rejects when the process exits first. */
  readonly listening: Promise<string>;
  /**
   * Resolves with the base URL once GET /health/ready answers 200, polled as an orchestrator polls it; rejects when the
   * process exits first or `timeoutMs` (default 30 s) passes.
   */
  ready(timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

const LISTENING = /Server listening at (http:\/\/[^\s]+)/;
const READY_POLL_MS = 50;

/**
 * Starts `main` on the running Node with nothing from the test's environment but PATH, so the service is configured
 * by `env` alone: on a free port on loopback, logging at info (where `listening` finds its line), unless `env` says
 * otherwise.
 */
export function spawnService(main: string | URL, env: Readonly<Record<string, string>>): ServiceProcess {
  const child = spawn(process.execPath, [typeof main === 'string' ? main : fileURLToPath(main)], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  let partial = '';
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const wake of waiters) wake();
  });

  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      logs.push(JSON.parse(line) as Record<string, unknown>);
    }
    for (const wake of waiters) wake();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    stderr += chunk.toString('utf8');
  });

  const logLine = (match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = logs.find(match);
        if (found !== undefined) {
          waiters.delete(check);
          resolve(found);
        } else if (hasExited) {
          waiters.delete(check);
          reject(new Error(`the service exited before the log line came:\n${output}`));
        }
      };
      waiters.add(check);
      check();
    });

  const listening = logLine((line) => LISTENING.test(String(line.msg))).then(
    (line) => LISTENING.exec(String(line.msg))![1]!,
  );
  // A test that expects an exit never awaits `listening`: its rejection is not an unhandled one.
  listening.catch(() => undefined);

  async function ready(timeoutMs = 30_000): Promise<string> {
    const base = await listening;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const status = await fetch(`${base}/health/ready`).then(
        (response) => response.status,
        () => undefined,
      );
      if (status === 200) return base;
      if (hasExited) throw new Error(`the service exited before it was ready:\n${output}`);
      if (performance.now() >= deadline) {
        throw new Error(`the service was not ready within ${timeoutMs} ms (last answer ${status}):\n${output}`);
      }
      await delay(READY_POLL_MS);
    }
  }

  return {
    child,
    output: () => output,
    stderr: () => stderr,
    logs,
    logLine,
    listening,
    ready,
    exited,
    async stop() {
      if (!hasExited) child.kill('SIGTERM');
      return exited;
    },
  };
}
