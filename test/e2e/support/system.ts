import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type LoggedChild, type LogLine, spawnLogged } from './child-process.ts';
import { type HttpResult, type RequestOptions, requestJson } from './http.ts';
import {
  type RedisCluster,
  type RedisSentinel,
  startRedisCluster,
  startRedisSentinel,
} from '@orderflow/platform/testing';
import { leaseRedisDatabase, type RedisDatabase } from './redis-db.ts';

// The whole system as separate processes, the way it runs in production: our broker (packages/broker/src/bin.ts)
// and each service's main.ts, configured only through the environment, on ports they pick themselves (PORT=0, read
// back from their "Server listening" line) so parallel runs never collide. One System is one data set: a fresh
// broker directory, a fresh SQLite directory, a leased, flushed Redis database, or a Redis Cluster or Sentinel-managed
// Redis started for this system alone.

/** Every scenario runs on these two. */
export const BACKENDS = ['redis', 'sqlite'] as const;
/** The scenarios that prove a store target (the one-order flow, the contention test) also run on these. */
export const REDIS_TOPOLOGIES = ['redis-cluster', 'redis-sentinel'] as const;
export type Backend = (typeof BACKENDS)[number] | (typeof REDIS_TOPOLOGIES)[number];

export const ServiceNames = ['order-service', 'stock-service', 'notification-service', 'analytics-service'] as const;
export type ServiceName = (typeof ServiceNames)[number];

export const ADMIN_TOKEN = 'e2e-admin-token';
/** The shortest session the services accept: a killed instance's partitions move on after this. */
export const SESSION_TIMEOUT = '6s';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BROKER_BIN = join(ROOT, 'packages', 'broker', 'src', 'bin.ts');
const entryOf = (name: ServiceName) => join(ROOT, 'services', name, 'src', 'main.ts');
const LISTENING = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/;
/** Generous: four services starting side by side on two cores, or waiting for a dead member's session to end. */
const START_TIMEOUT_MS = 45_000;

export interface Service {
  readonly name: ServiceName;
  /** `stock-service#2` for the second instance started in this system. */
  readonly label: string;
  readonly url: string;
  readonly lines: readonly LogLine[];
  request<T>(method: string, path: string, options?: RequestOptions): Promise<HttpResult<T>>;
  /** The log lines whose fields equal every field of `fields` (msg included, when given). */
  logged(fields: Readonly<Record<string, unknown>>): LogLine[];
  /** Whether the process has not exited (a crash ends it). */
  isRunning(): boolean;
  /** SIGKILL: no shutdown hook runs, no offset is committed, the group keeps its partitions for the session. */
  kill(): Promise<void>;
  /** SIGTERM, the graceful stop; resolves with the exit code. */
  stop(): Promise<number | string>;
  /** SIGSTOP / SIGCONT: the process stays in its group but does nothing, like a long pause. */
  pause(): void;
  resume(): void;
}

export interface Services {
  readonly order: Service;
  readonly stock: Service;
  readonly notification: Service;
  readonly analytics: Service;
}

export interface System {
  readonly backend: Backend;
  /** KAFKA_BROKERS for clients of the test itself. */
  readonly bootstrap: string;
  /** The services' ORDERFLOW_DATA_DIR: their SQLite files are `<namespace>.sqlite` in it. */
  readonly dataDir: string;
  /** The Redis database the services use on `redis`; undefined on the other backends. */
  readonly redisUrl: string | undefined;
  /** The cluster the services use on `redis-cluster`. */
  readonly redisCluster: RedisCluster | undefined;
  /** Starts one more instance of `name` and resolves once it answers /health/ready with 200. */
  start(name: ServiceName, env?: Readonly<Record<string, string>>): Promise<Service>;
  /** One instance of each service, started side by side; `env` adds variables per service. */
  startAll(env?: Partial<Record<ServiceName, Readonly<Record<string, string>>>>): Promise<Services>;
  close(): Promise<void>;
  /** Every process's warnings, errors and last lines, for a failed test's report. */
  report(): string;
  /** Writes every process's full output under `dir`. */
  saveLogs(dir: string): void;
}

export async function startSystem(backend: Backend): Promise<System> {
  const dir = mkdtempSync(join(tmpdir(), `orderflow-e2e-${backend}-`));
  const children: LoggedChild[] = [];
  const instances = new Map<ServiceName, number>();
  let redis: RedisDatabase | undefined;
  let cluster: RedisCluster | undefined;
  let sentinel: RedisSentinel | undefined;
  let broker: LoggedChild | undefined;

  async function close(): Promise<void> {
    // Nothing is graceful here: the data set is discarded, and SIGKILL cannot hang.
    for (const child of children) child.signal('SIGKILL');
    await Promise.all(children.map((child) => child.exited));
    try {
      await Promise.all([redis?.release(), cluster?.close(), sentinel?.close()]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  try {
    if (backend === 'redis') redis = await leaseRedisDatabase();
    if (backend === 'redis-cluster') cluster = await startRedisCluster();
    if (backend === 'redis-sentinel') sentinel = await startRedisSentinel();
    const storeEnv: Record<string, string> = {
      ...(redis === undefined ? {} : { REDIS_URL: redis.url }),
      ...(cluster === undefined ? {} : { REDIS_CLUSTER_NODES: cluster.seeds }),
      ...(sentinel === undefined ? {} : { REDIS_SENTINELS: sentinel.sentinels, REDIS_SENTINEL_NAME: sentinel.name }),
    };
    broker = spawnLogged('broker', [BROKER_BIN, '--port', '0', '--data-dir', join(dir, 'broker')], baseEnv());
    children.push(broker);
    const listening = await broker.waitForLine((line) => line.msg === 'broker listening', '"broker listening"');
    const bootstrap = `127.0.0.1:${Number(listening.port)}`;
    const dataDir = join(dir, 'data');

    const serviceEnv = (name: ServiceName, env: Readonly<Record<string, string>>): Record<string, string> => ({
      ...baseEnv(),
      PORT: '0',
      HOST: '127.0.0.1',
      KAFKA_BROKERS: bootstrap,
      KAFKA_SESSION_TIMEOUT: SESSION_TIMEOUT,
      ORDERFLOW_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      ...storeEnv,
      ...(name === 'stock-service' || name === 'analytics-service' ? { ADMIN_TOKEN } : {}),
      ...env,
    });

    async function start(name: ServiceName, env: Readonly<Record<string, string>> = {}): Promise<Service> {
      const instance = (instances.get(name) ?? 0) + 1;
      instances.set(name, instance);
      const child = spawnLogged(`${name}#${instance}`, [entryOf(name)], serviceEnv(name, env));
      children.push(child);
      const line = await child.waitForLine((l) => LISTENING.test(l.msg), '"Server listening"', START_TIMEOUT_MS);
      const service = serviceOf(name, child, LISTENING.exec(line.msg)![1]!);
      // Readiness includes the consumer's place in its group, which can take a rebalance or a dead member's session.
      const deadline = performance.now() + START_TIMEOUT_MS;
      for (let status = 0; status !== 200;) {
        if (!child.isRunning()) throw new Error(`${child.label} exited; stderr: ${child.stderr.join('\n')}`);
        if (performance.now() > deadline) throw new Error(`${child.label} not ready within ${START_TIMEOUT_MS} ms`);
        status = await service.request('GET', '/health/ready').then(
          (ready) => ready.status,
          () => 0,
        );
        if (status !== 200) await delay(100);
      }
      return service;
    }

    return {
      backend,
      bootstrap,
      dataDir,
      redisUrl: redis?.url,
      redisCluster: cluster,
      start,
      async startAll(env = {}) {
        const [order, stock, notification, analytics] = await Promise.all(
          ServiceNames.map((name) => start(name, env[name])),
        );
        return { order: order!, stock: stock!, notification: notification!, analytics: analytics! };
      },
      close,
      report: () => children.map(describeChild).join('\n'),
      saveLogs(target) {
        mkdirSync(target, { recursive: true });
        for (const child of children) {
          const text = child.lines.map((line) => JSON.stringify(line)).join('\n');
          writeFileSync(join(target, `${child.label}.log`), `${text}\n${child.stderr.join('\n')}\n`);
        }
      },
    };
  } catch (error) {
    if (broker !== undefined) process.stderr.write(`${children.map(describeChild).join('\n')}\n`);
    await close();
    throw error;
  }
}

/**
 * Runs `scenario` against a fresh system and always tears it down. On failure the test's report gets every
 * process's warnings and errors, and the full logs are kept in a directory it names.
 */
export async function withSystem(
  t: TestContext,
  backend: Backend,
  scenario: (system: System) => Promise<void>,
): Promise<void> {
  const system = await startSystem(backend);
  try {
    await scenario(system);
  } catch (error) {
    const logs = mkdtempSync(join(tmpdir(), 'orderflow-e2e-logs-'));
    system.saveLogs(logs);
    t.diagnostic(`full logs of every process: ${logs}\n${system.report()}`);
    throw error;
  } finally {
    await system.close();
  }
}

function serviceOf(name: ServiceName, child: LoggedChild, url: string): Service {
  return {
    name,
    label: child.label,
    url,
    lines: child.lines,
    request: (method, path, options) => requestJson(method, `${url}${path}`, options),
    logged: (fields) =>
      child.lines.filter((line) => Object.entries(fields).every(([key, value]) => line[key] === value)),
    isRunning: () => child.isRunning(),
    async kill() {
      child.signal('SIGKILL');
      await child.exited;
    },
    async stop() {
      child.signal('SIGTERM');
      return child.exited;
    },
    pause: () => child.signal('SIGSTOP'),
    resume: () => child.signal('SIGCONT'),
  };
}

/**
 * Only what node needs: the test's own REDIS_URL, LOG_LEVEL or KAFKA_* must not leak into a service. Start-up is
 * most of a scenario's time on two cores; node's compile cache (keyed by file content, so never stale) cuts it.
 */
function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '', NODE_COMPILE_CACHE: join(tmpdir(), 'orderflow-e2e-compile-cache') };
}

const PINO_WARN = 40;

function describeChild(child: LoggedChild): string {
  const serious = child.lines.filter(
    (line) =>
      line.level === 'warn' || line.level === 'error' || line.level === 'fatal' || Number(line.level) >= PINO_WARN,
  );
  const tail = child.lines.slice(-10);
  const show = (lines: readonly LogLine[]) => lines.map((line) => `    ${JSON.stringify(line)}`.slice(0, 600));
  return [
    `${child.label} (pid ${child.pid}, ${child.isRunning() ? 'running' : 'exited'}, ${child.lines.length} lines)`,
    `  warnings and errors (${serious.length}, last 15):`,
    ...show(serious.slice(-15)),
    '  last lines:',
    ...show(tail),
    ...(child.stderr.length === 0 ? [] : ['  stderr:', ...child.stderr.slice(-20).map((text) => `    ${text}`)]),
  ].join('\n');
}
