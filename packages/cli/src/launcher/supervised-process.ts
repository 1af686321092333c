// One child process of the launcher. It is restarted with exponential backoff when it dies on its own, so one
// crashing service never takes the others down; stop() asks it to shut down gracefully (SIGTERM) and kills it
// only if it has not exited in time.
import { type ChildProcess, spawn } from 'node:child_process';
import type { LogOutput } from './log-output.ts';

const INITIAL_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 15_000;
/** A child that ran this long before dying is considered healthy again: its next restart is immediate-ish. */
const STABLE_RUN_MS = 30_000;

export interface SupervisedProcessOptions {
  readonly name: string;
  readonly label: string;
  readonly colour: number;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly output: LogOutput;
  /** Told the pid of every process started, restarts included (the launcher's process registry). */
  readonly onSpawn?: (pid: number) => void;
}

export class SupervisedProcess {
  readonly name: string;
  readonly #options: SupervisedProcessOptions;
  #child: ChildProcess | undefined;
  #stopping = false;
  #restarts = 0;
  #startedAt = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(options: SupervisedProcessOptions) {
    this.name = options.name;
    this.#options = options;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): void {
    const { args, env, output, label, colour } = this.#options;
    // Its own process group: a Ctrl-C in the terminal reaches only the launcher, which then stops the services
    // before the broker. In the terminal's group every child would get SIGINT at once, the broker would go away
    // while the services still commit, and the launcher's own SIGTERM would arrive as a second signal.
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.#child = child;
    this.#startedAt = Date.now();
    if (child.pid !== undefined) this.#options.onSpawn?.(child.pid);
    output.attach(label, colour, child.stdout!);
    output.attach(label, colour, child.stderr!);
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#child = undefined;
        resolve();
        if (!this.#stopping) this.#scheduleRestart(code, signal);
      });
    });
  }

  #scheduleRestart(code: number | null, signal: NodeJS.Signals | null): void {
    if (Date.now() - this.#startedAt >= STABLE_RUN_MS) this.#restarts = 0;
    const delay = Math.min(MAX_RESTART_DELAY_MS, INITIAL_RESTART_DELAY_MS * 2 ** this.#restarts);
    this.#restarts++;
    this.#options.output.warn(`${this.name} exited; restarting it, the other services keep running`, {
      code,
      signal,
      restartInMs: delay,
    });
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (!this.#stopping) this.start();
    }, delay);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (child === undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Immediate SIGKILL, for a second Ctrl-C. */
  kill(): void {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    this.#child?.kill('SIGKILL');
  }
}
