import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

// redis-server processes (a cluster node, a Sentinel-managed master, a Sentinel) started by the tests themselves
// from Debian's redis-server, on ports that were free, and always killed: by their owner's close(), or when the test
// process exits without it.

const run = promisify(execFile);
/** Generous: servers, a cluster handshake or a Sentinel's discovery on a loaded machine. */
const READY_TIMEOUT_MS = 30_000;

const running = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface RedisProcess {
  readonly port: number;
  /** SIGKILL; resolves once it has exited (at once when it already had). */
  kill(): Promise<void>;
}

/**
 * Starts `redis-server <args…> --port <port> --bind 127.0.0.1 --daemonize no` and resolves once it answers PING.
 * `args` may start with a config file (a Sentinel's).
 */
export async function startRedisProcess(port: number, args: readonly string[]): Promise<RedisProcess> {
  const child = spawn('redis-server', [...args, '--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'no'], {
    stdio: 'ignore',
  });
  running.add(child);
  const exited = once(child, 'exit').finally(() => running.delete(child));
  const server: RedisProcess = {
    port,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  try {
    await waitFor(`redis-server on port ${port}`, async () => (await redisCli(port, ['ping'])).trim() === 'PONG');
  } catch (error) {
    await server.kill();
    throw error;
  }
  return server;
}

/** `redis-cli -h 127.0.0.1 -p <port> <args…>`'s output. */
export async function redisCli(port: number, args: readonly string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

/** Polls `check` until it resolves true; a rejection counts as not yet. */
export async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${READY_TIMEOUT_MS} ms`);
    await delay(100);
  }
}

/** `count` distinct ports that were free a moment ago (held open together, so they differ). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = createServer().listen(0, '127.0.0.1');
      await once(server, 'listening');
      return server;
    }),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(
    servers.map(async (server) => {
      server.close();
      await once(server, 'close');
    }),
  );
  return ports;
}
