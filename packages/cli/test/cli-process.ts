// Runs `node src/bin.ts …` as a user would, for the CLI's tests: to completion (runCli), or as a long-running
// child whose stdout lines a test waits for (startCli). Every child started here is killed when its test ends.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

export const binPath = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment a child gets: ours without the settings a developer's shell may carry, plus `extra`. */
export function cliEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['KAFKA_BROKERS', 'REDIS_URL', 'ORDERFLOW_DATA_DIR', 'ADMIN_TOKEN', 'ORDER_SERVICE_PORT']) {
    delete env[name];
  }
  return { ...env, ...extra };
}

export async function runCli(
  args: readonly string[],
  extraEnv: Readonly<Record<string, string>> = {},
  timeoutMs = 60_000,
): Promise<CliResult> {
  const child = spawn(process.execPath, [binPath, ...args], {
    env: cliEnv(extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

export interface RunningCli {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Every stdout line so far. */
  readonly lines: string[];
  stderr(): string;
  /** Resolves once `predicate` holds for the lines so far; rejects at the deadline or when the child exits first. */
  waitForLines(predicate: (lines: readonly string[]) => boolean, timeoutMs: number, what: string): Promise<void>;
  /** Resolves with how the child ended, once it has. */
  exited(timeoutMs?: number): Promise<{ code: number | null; signal: string | null }>;
  /** Sends `signal` and resolves with how the child ended. */
  signalAndWait(signal: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: string | null }>;
}

export interface StartCliOptions {
  /**
   * Runs the command as the leader of a process group of its own, so a test can signal the whole group the way a
   * terminal's Ctrl-C does (`process.kill(-pid, 'SIGINT')`).
   */
  readonly ownProcessGroup?: boolean;
  /**
   * Runs the command on a pseudo-terminal (util-linux `script`), so it writes what a user's terminal shows: pretty
   * output instead of JSON lines. `pid` is then `script`'s, and the command is its only child (the shell execs it);
   * killing `script` hangs the terminal up, which the command sees as SIGHUP. `lines` are what the terminal shows,
   * without colour codes and carriage returns; `exited()` gives the command's exit code (128 + n for a signal n).
   */
  readonly terminal?: boolean;
}

/** Whether `script` (util-linux) is there to give a command a pseudo-terminal. */
export function canRunInTerminal(): boolean {
  return spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
}

const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
// SGR colour and the erase/cursor sequences pino-pretty and the launcher write.
// eslint-disable-next-line no-control-regex -- they start with ESC
const TERMINAL_CODES = /\x1b\[[0-9;?]*[A-Za-z]/g;

export function startCli(
  t: TestContext,
  args: readonly string[],
  extraEnv: Readonly<Record<string, string>> = {},
  options: StartCliOptions = {},
): RunningCli {
  const command = [process.execPath, binPath, ...args];
  const [file, ...fileArgs] = options.terminal
    ? [
        'script',
        '--quiet',
        '--flush',
        '--return',
        '--command',
        `exec ${command.map(shellQuote).join(' ')}`,
        '/dev/null',
      ]
    : command;
  const child = spawn(file, fileArgs, {
    env: cliEnv(extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup === true,
  });
  const lines: string[] = [];
  let stderr = '';
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(options.terminal ? line.replace(TERMINAL_CODES, '').replaceAll('\r', '') : line);
    for (const waiter of waiters) waiter();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  return {
    child,
    pid: child.pid!,
    lines,
    stderr: () => stderr,
    waitForLines(predicate, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(lines)) return;
          finish();
          resolve();
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`timed out waiting for ${what}; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`));
        }, timeoutMs);
        const onExit = () => {
          // The last lines may still be in the pipe when 'exit' fires: look once more after they are read.
          setImmediate(() => {
            if (predicate(lines)) return check();
            finish();
            reject(new Error(`exited before ${what}; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`));
          });
        };
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.removeListener('exit', onExit);
        };
        waiters.add(check);
        if (child.exitCode !== null || child.signalCode !== null) onExit();
        else child.once('exit', onExit);
        check();
      });
    },
    async exited(timeoutMs = 30_000) {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const [code, endSignal] = await exited;
      clearTimeout(timer);
      return { code, signal: endSignal };
    },
    async signalAndWait(signal, timeoutMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return this.exited(timeoutMs);
    },
  };
}
