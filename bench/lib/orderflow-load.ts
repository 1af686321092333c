// `orderflow load` against an embedded stack, as a person runs it (packages/cli/src/bin.ts load --json) in a child
// process of its own, so its CPU and memory are not the benchmark's; its JSON report is what the benchmark reads.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EmbeddedStack } from '../../packages/cli/src/load/embedded-stack.ts';
import type { LoadReport } from '../../packages/cli/src/load/load-report.ts';

const cliBin = fileURLToPath(new URL('../../packages/cli/src/bin.ts', import.meta.url));
/** How much of its stderr is kept for a failure message. */
const STDERR_KEPT = 20_000;

export interface LoadRunOptions {
  readonly stack: EmbeddedStack;
  /** The stack's data directory, where the load finds the stock admin token. */
  readonly dataDir: string;
  /** --rate, orders per second. */
  readonly rate: number;
  /** --duration, in seconds. */
  readonly seconds: number;
  /** More options for orderflow load, e.g. --concurrency. */
  readonly args?: readonly string[];
  /** Aborting it stops the load as Ctrl-C would. */
  readonly signal: AbortSignal;
  /** Called with the load's pid once it is spawned; what it returns is called once the load has exited. */
  readonly whileRunning?: (loadPid: number | undefined) => () => void;
}

export interface LoadRun {
  /** Its --json report; undefined when it printed none (it failed before reporting, or was stopped). */
  readonly report: LoadReport | undefined;
  readonly code: number | null;
  readonly stderr: string;
  /** From spawning orderflow load to its exit: stock setup, the orders, the drain and the checks. */
  readonly seconds: number;
}

export async function runOrderflowLoad(options: LoadRunOptions): Promise<LoadRun> {
  const { urls } = options.stack;
  const args = [
    ...[cliBin, 'load', '--rate', String(options.rate), '--duration', `${options.seconds}s`, '--json'],
    ...(options.args ?? []),
    ...['--target', urls['order-service']!, '--stock-url', urls['stock-service']!],
    ...['--notifications-url', urls['notification-service']!, '--analytics-url', urls['analytics-service']!],
  ];
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    // The admin token is found where orderflow up keeps it; ADMIN_TOKEN from the caller's environment must not win,
    // nor a profiler the caller's NODE_OPTIONS asks for: the load generator is measured as it is.
    env: { ...process.env, ORDERFLOW_DATA_DIR: options.dataDir, ADMIN_TOKEN: '', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const finished = options.whileRunning?.(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_KEPT);
  });
  const stopLoad = () => child.kill('SIGINT');
  options.signal.addEventListener('abort', stopLoad);
  const code = await exited;
  options.signal.removeEventListener('abort', stopLoad);
  finished?.();
  let report: LoadReport | undefined;
  try {
    report = JSON.parse(stdout) as LoadReport;
  } catch {
    report = undefined;
  }
  return { report, code, stderr, seconds: (performance.now() - started) / 1000 };
}
