// A child process a benchmark waits for until one line of its stdout says it is ready, keeping the tail of what it
// printed so that one that exits early says why.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How much of a child's output is kept for the error of an early exit. */
const OUTPUT_KEPT = 20_000;
/** A child still running this long after it was asked to stop is killed. */
const STOP_GRACE_MS = 30_000;

export interface StartedChild {
  readonly child: ChildProcess;
  /** What `ready` returned for the first line it accepted. */
  readonly found: string;
  /** The tail of its stdout and stderr. */
  output(): string;
}

/** Spawns `command` and resolves with what `ready` finds in one of its stdout lines; rejects if it exits first. */
export async function startChild(
  command: string,
  args: readonly string[],
  ready: (line: string) => string | undefined,
): Promise<StartedChild> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
  });
  const found = new Promise<string>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      output = `${output}${line}\n`.slice(-OUTPUT_KEPT);
      const value = ready(line);
      if (value !== undefined) resolve(value);
    });
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(new Error(`exited early (code ${code}, signal ${signal}):\n${output}`)),
    ),
  );
  return { child, found: await Promise.race([found, exited]), output: () => output };
}

/** Asks the child to stop with `how` (a signal, closing its stdin) and waits for it; SIGKILL after a grace period. */
export async function stopChild(child: ChildProcess, how: () => void): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  how();
  const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(killer);
}
