// The floor any stack of Node 24 processes pays: a launcher and one bare process per process of the real stack, each
// only opening an HTTP server (bench/lib/bare-node-process.ts), started in the same order as `orderflow up` starts
// its own. A benchmark measures the real stack next to it to see what its own code costs beyond Node's.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const processScript = fileURLToPath(new URL('./bare-node-process.ts', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

export interface BareNodeStack {
  /** The launcher's pid; the stand-ins are its children. */
  readonly pid: number;
  /** Milliseconds from spawning the launcher to its "up" line. */
  readonly startupMs: number;
  stop(): Promise<void>;
}

/** `first` is started and listening before the others start, as the broker is before the services. */
export async function startBareNodeStack(first: string, others: readonly string[]): Promise<BareNodeStack> {
  const started = performance.now();
  // stdin stays open while this process lives: the launcher and its stand-ins exit when it closes.
  const child = spawn(process.execPath, [processScript, 'launcher', first, ...others], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(killer);
  };
  let timer: NodeJS.Timeout | undefined;
  let upAt: number;
  try {
    upAt = await Promise.race([
      new Promise<number>((resolve) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          if ((JSON.parse(line) as { msg?: string }).msg === 'up') resolve(performance.now());
        });
      }),
      exited.then(([code, signal]) => {
        throw new Error(`the bare Node launcher exited before it was up (code ${code}, signal ${signal})`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the bare Node launcher not up after ${READY_TIMEOUT_MS} ms`)),
          READY_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { pid: child.pid!, startupMs: upAt - started, stop };
}
