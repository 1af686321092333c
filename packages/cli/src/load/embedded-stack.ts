// The whole embedded stack (broker, four services and the console) started the way a person starts it, `orderflow up --json`, but on
// free ports and in a data directory of its own, so a test or a benchmark can run beside anything else on the machine
// and leaves nothing behind. Used by the load command's test and by the benchmarks in bench/.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BROKER_PORT_VARIABLE, serviceDefinitions } from '../services.ts';

const binPath = fileURLToPath(new URL('../bin.ts', import.meta.url));
const STOP_GRACE_MS = 30_000;
const OUTPUT_KEPT = 40_000;

export interface EmbeddedStackOptions {
  readonly dataDir: string;
  /** Added to this process's environment: REDIS_URL, LOG_LEVEL, … */
  readonly env?: Readonly<Record<string, string>>;
  /** `orderflow up --only`; every service when absent. */
  readonly only?: readonly string[];
  readonly readyTimeoutMs?: number;
  /** Extra node flags for the launcher itself (not its children): e.g. --cpu-prof. */
  readonly execArgv?: readonly string[];
  /** Every line the stack prints, for callers that look for something in the logs. */
  readonly onLine?: (line: string) => void;
}

export interface EmbeddedStack {
  /** http://127.0.0.1:<port> of each service that runs, by service name (order-service, …), and of the console. */
  readonly urls: Readonly<Record<string, string>>;
  /** host:port of the embedded broker. */
  readonly kafka: string;
  /** The launcher's pid; the broker and the services are its children. */
  readonly pid: number;
  /** Milliseconds from spawning `orderflow up` to its "orderflow is up" line. */
  readonly startupMs: number;
  /** The last lines the stack printed, for a failure message. */
  output(): string;
  /** SIGTERM, as Ctrl-C would; SIGKILL after a grace period. Resolves with the launcher's exit code. */
  stop(): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export async function startEmbeddedStack(options: EmbeddedStackOptions): Promise<EmbeddedStack> {
  const brokerPort = await freePort();
  const ports: Record<string, string> = { [BROKER_PORT_VARIABLE]: String(brokerPort) };
  for (const service of serviceDefinitions) ports[service.portVariable] = String(await freePort());
  ports.CONSOLE_PORT = String(await freePort());
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, ...ports, ORDERFLOW_DATA_DIR: options.dataDir };
  // The stack's own settings come from `options.env` alone, never from whoever runs the test.
  if (options.env?.KAFKA_BROKERS === undefined) delete env.KAFKA_BROKERS;
  if (options.env?.REDIS_URL === undefined) delete env.REDIS_URL;
  const args = [...(options.execArgv ?? []), binPath, 'up', '--json'];
  if (options.only !== undefined) args.push('--only', options.only.join(','));

  const started = performance.now();
  // Its own process group, so a launcher that ignores SIGTERM can be killed together with its children.
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (line: string) => {
    output = `${output}${line}\n`.slice(-OUTPUT_KEPT);
    options.onLine?.(line);
  };
  createInterface({ input: child.stderr! }).on('line', keep);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  const up = new Promise<Record<string, string>>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      keep(line);
      if (!line.startsWith('{')) return;
      try {
        const entry = JSON.parse(line) as { name?: string; msg?: string; urls?: Record<string, string> };
        if (entry.name === 'orderflow' && entry.msg === 'orderflow is up') resolve(entry.urls ?? {});
      } catch {
        // A child's line that only looks like JSON: not ours.
      }
    });
  });
  const timeoutMs = options.readyTimeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    up.then((urls) => ({ urls })),
    exited.then(([code, signal]) => ({ error: `orderflow up exited (code ${code}, signal ${signal})` })),
    new Promise<{ error: string }>((resolve) => {
      timer = setTimeout(() => resolve({ error: `orderflow up not ready after ${timeoutMs} ms` }), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  const startupMs = performance.now() - started;

  const stop = () => stopLauncher(child, exited);
  if ('error' in outcome) {
    await stop();
    throw new Error(`${outcome.error}; its last output:\n${output}`);
  }
  return {
    urls: outcome.urls,
    kafka: `127.0.0.1:${brokerPort}`,
    pid: child.pid!,
    startupMs,
    output: () => output,
    stop,
  };
}

async function stopLauncher(
  child: ChildProcess,
  exited: Promise<[number | null, NodeJS.Signals | null]>,
): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const killer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
  }, STOP_GRACE_MS);
  const [code] = await exited;
  clearTimeout(killer);
  return code;
}
