// order-service as it is deployed, for the benchmarks that load it over HTTP: services/order-service/src/main.ts in a
// process of its own (LOG_LEVEL=warn) on our broker in another (bench/lib/broker-process.ts) and a private,
// non-persistent redis-server (bench/lib/redis.ts; REDIS_URL to use another), all on free loopback ports with a fresh
// data directory. autocannon drives POST /orders from the benchmark's own process, each request a new order.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { FsyncPolicy } from '@orderflow/broker';
import { Topics } from '@orderflow/contracts';
import { Consumer } from '@platformatic/kafka';
import autocannon from 'autocannon';
import { freePort } from '../../packages/cli/src/load/embedded-stack.ts';
import { startBrokerProcess } from './broker-process.ts';
import { productAt } from './products.ts';
import { type BenchRedis, benchRedis } from './redis.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const orderServiceMain = join(root, 'services/order-service/src/main.ts');
const READY_TIMEOUT_MS = 60_000;

export interface BenchProcess {
  readonly child: ChildProcess;
  /** The last 20,000 characters it wrote to stdout and stderr. */
  output(): string;
  /** Throws, with what it wrote, when it has exited although stop() was not called. */
  assertRunning(): void;
  /** SIGTERM, then waits until it has exited. */
  stop(): Promise<void>;
}

/** A Node process on this Node, in the repo root, with this process's environment plus `env`. */
export function startNodeProcess(
  name: string,
  args: readonly string[],
  options: { env?: Readonly<Record<string, string>>; ipc?: boolean } = {},
): BenchProcess {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc === true ? (['ipc'] as const) : [])],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  // A spawn that fails emits 'error' and no 'exit'; either way there is nothing left to wait for.
  const exited = once(child, 'exit').catch(() => undefined);
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    output: () => output,
    assertRunning() {
      if (hasExited()) {
        throw new Error(`${name} exited (code ${child.exitCode}, signal ${child.signalCode}):\n${output}`);
      }
    },
    async stop() {
      if (!hasExited()) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls `check` every 100 ms until it returns true; a check that throws counts as not yet. */
export async function until(what: string, check: () => Promise<boolean>, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await check().catch(() => false))) {
    signal?.throwIfAborted();
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

export interface OrderServiceUnderLoad {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly bootstrap: string;
  readonly redis: BenchRedis;
  /**
   * The variables order-service was started with on top of this process's environment, so a stand-in can load
   * order-service's configuration from the same environment.
   */
  readonly env: Readonly<Record<string, string>>;
  readonly service: BenchProcess;
  /** order-service, the broker, then Redis. */
  stop(): Promise<void>;
}

/** The broker, Redis and order-service, started in that order, order-service ready. */
export async function startOrderService(options: {
  dataDir: string;
  /** The broker's --fsync policy; unset keeps the broker's default. */
  fsync?: FsyncPolicy | undefined;
  signal?: AbortSignal;
}): Promise<OrderServiceUnderLoad> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stops.splice(0).reverse()) await stopOne();
  };
  try {
    const redis = await benchRedis();
    stops.push(() => redis.stop());
    const broker = await startBrokerProcess(
      options.dataDir,
      options.fsync === undefined ? {} : { fsync: options.fsync },
    );
    stops.push(() => broker.close());
    const port = await freePort();
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      KAFKA_BROKERS: broker.bootstrap,
      REDIS_URL: redis.url,
      ORDERFLOW_DATA_DIR: join(options.dataDir, 'data'),
      LOG_LEVEL: 'warn',
    };
    const service = startNodeProcess('order-service', [orderServiceMain], { env });
    stops.push(() => service.stop());
    const url = `http://127.0.0.1:${port}`;
    await until(
      'order-service ready',
      async () => {
        service.assertRunning();
        return (await fetch(`${url}/health/ready`)).status === 200;
      },
      options.signal,
    );
    service.assertRunning();
    return { url, bootstrap: broker.bootstrap, redis, env, service, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface BenchOrder {
  readonly orderId: string;
  readonly productId: string;
  readonly quantity: number;
}

/**
 * A new order at each call: ids `bench-<run>-<n>` with a run id of this process's own, so ids never repeat across
 * runs or processes and have the same length in every process; products A001…A020 in turn, 2 units each.
 */
export function orderSequence(): () => BenchOrder {
  const run = randomUUID().slice(0, 8);
  let sequence = 0;
  return () => {
    sequence += 1;
    return { orderId: `bench-${run}-${sequence}`, productId: productAt(sequence), quantity: 2 };
  };
}

export interface HttpSlice {
  /** 202 answers within the slice. */
  readonly accepted: number;
  /** Answers other than 202. */
  readonly other: number;
  readonly errors: number;
  /** Requests sent, including those still unanswered when the slice ended. */
  readonly sent: number;
  readonly seconds: number;
  /** Each 202's latency in ms, from the request written to the answer read. */
  readonly latenciesMs: readonly number[];
}

/**
 * POST /orders with a new order each time, from `connections` connections each waiting for its answer before sending
 * the next, for `seconds`. Latencies come from autocannon's response events, which carry them unrounded (its
 * histogram keeps whole milliseconds). `signal` stops the load at once and rejects with its reason.
 */
export function postOrders(
  url: string,
  options: { seconds: number; connections: number; nextBody: () => string; signal?: AbortSignal },
): Promise<HttpSlice> {
  const latenciesMs: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: options.connections,
        duration: options.seconds,
        requests: [
          {
            method: 'POST',
            path: '/orders',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request) => ({ ...request, body: options.nextBody() }),
          },
        ],
      },
      (error, result) => {
        options.signal?.removeEventListener('abort', stop);
        if (options.signal?.aborted === true) {
          reject(options.signal.reason);
          return;
        }
        if (error !== null && error !== undefined) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const accepted = result.statusCodeStats?.['202']?.count ?? 0;
        resolve({
          accepted,
          other: result.requests.total - accepted,
          errors: result.errors,
          sent: result.requests.sent,
          seconds: result.duration,
          latenciesMs,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode === 202) latenciesMs.push(responseTime);
    });
    const stop = () => instance.stop();
    options.signal?.addEventListener('abort', stop, { once: true });
  });
}

/** The record count of order-topic on a broker, read with ListOffsets. */
export interface TopicCounter {
  records(): Promise<number>;
  /**
   * Waits until order-service has finished the requests still in flight when a slice ended: the count stands still
   * for 250 ms, far longer than one publish and the completion write after it take. Returns the count.
   */
  quiet(): Promise<number>;
  close(): Promise<void>;
}

/** `signal` makes a quiet() under way reject with its reason. */
export function countOrderTopic(bootstrap: string, signal?: AbortSignal): TopicCounter {
  // A consumer only for ListOffsets: it joins no group.
  const offsets = new Consumer({
    clientId: 'bench-offsets',
    bootstrapBrokers: [bootstrap],
    groupId: `bench-offsets-${randomUUID()}`,
  });
  const records = async () => {
    const ends = (await offsets.listOffsets({ topics: [Topics.orders] })).get(Topics.orders) ?? [];
    return ends.reduce((sum, end) => sum + Number(end), 0);
  };
  return {
    records,
    async quiet() {
      let last = await records();
      for (;;) {
        await delay(250, undefined, { signal });
        const now = await records();
        if (now === last) return now;
        last = now;
      }
    },
    close: () => offsets.close(),
  };
}
