import { Cluster, Redis } from 'ioredis';
import { PlatformErrors } from '../../errors.ts';
import type { Logger } from '../../logger.ts';

/** A connection to one Redis (standalone or found through Sentinel) or to a Redis Cluster; the stores take either. */
export type RedisClient = Redis | Cluster;

/** Where the store's Redis is: exactly one of the three is chosen by the REDIS_* variables (storeConfigSpec). */
export type RedisTarget =
  | { readonly kind: 'standalone'; readonly url: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly string[] }
  | { readonly kind: 'sentinel'; readonly sentinels: readonly string[]; readonly name: string };

export interface OpenRedisOptions {
  readonly log: Logger;
  /** How long the first connection may take before openRedis() fails. */
  readonly connectTimeoutMs?: number;
}

const RETRY_DELAY_MS = (attempt: number) => Math.min(attempt * 200, 2000);

/**
 * Connects to Redis and resolves once it answers, or rejects with STORE_UNAVAILABLE. After that the client
 * reconnects by itself; a command issued while Redis is away fails after one reconnect attempt instead of queueing
 * without bound, so an HTTP request gets a 503 rather than hanging.
 */
export async function openRedis(url: string, options: OpenRedisOptions): Promise<Redis> {
  return (await openRedisTarget({ kind: 'standalone', url }, options)) as Redis;
}

/** openRedis() for any target: a URL, the seed nodes of a Redis Cluster, or Sentinels and a master name. */
export async function openRedisTarget(target: RedisTarget, options: OpenRedisOptions): Promise<RedisClient> {
  const { log } = options;
  const shown = describeRedisTarget(target);
  const connectTimeout = options.connectTimeoutMs ?? 5000;
  const redis = createClient(target, connectTimeout);
  redis.on('error', (err: Error) => log.warn({ err, redis: shown }, 'redis connection error'));
  try {
    await redis.connect();
    // A cluster client is "ready" once it knows the slot map; a ping proves a master answers as well.
    if (target.kind === 'cluster') await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw PlatformErrors.create('STORE_UNAVAILABLE', `Redis at ${shown} is unreachable: ${(error as Error).message}`, {
      cause: error,
    });
  }
  log.info({ redis: shown }, 'redis connected');
  return redis;
}

function createClient(target: RedisTarget, connectTimeout: number): RedisClient {
  const common = { lazyConnect: true, connectTimeout, maxRetriesPerRequest: 1 } as const;
  switch (target.kind) {
    case 'standalone':
      return new Redis(target.url, { ...common, retryStrategy: RETRY_DELAY_MS });
    case 'sentinel':
      return new Redis({
        ...common,
        sentinels: target.sentinels.map(hostPort),
        name: target.name,
        retryStrategy: RETRY_DELAY_MS,
        sentinelRetryStrategy: RETRY_DELAY_MS,
      });
    case 'cluster':
      return new Cluster(target.nodes.map(hostPort), {
        lazyConnect: true,
        clusterRetryStrategy: RETRY_DELAY_MS,
        // A command to a master that stopped answering fails instead of waiting for a failover that may never come.
        maxRedirections: 4,
        retryDelayOnClusterDown: 200,
        retryDelayOnFailover: 200,
        enableOfflineQueue: true,
        redisOptions: { connectTimeout, maxRetriesPerRequest: 1 },
      });
  }
}

function hostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(colon + 1)) };
}

/**
 * Proves the store can be used, for readiness. One Redis answers PING. A Redis Cluster answering PING proves only
 * that some node is up (PING goes to any node), so every master of the client's slot map must be connected (ioredis
 * drops a dead master from its pool at once) and answer, and the cluster itself must report cluster_state:ok (it
 * turns fail once a master has been unreachable for cluster-node-timeout, and refuses commands: CLUSTERDOWN).
 */
export async function pingRedis(redis: RedisClient): Promise<void> {
  if (!(redis instanceof Cluster)) {
    await redisCall(() => redis.ping());
    return;
  }
  const masters = redis.nodes('master');
  const connected = new Set(masters.map((master) => `${master.options.host}:${master.options.port}`));
  const owners = new Set(redis.slots.map((keys) => keys[0]));
  for (const owner of owners) {
    if (owner === undefined || !connected.has(owner)) {
      const which = owner === undefined ? 'a slot has no master' : `master ${owner} is unreachable`;
      // The pool gets the master back only with a new slot map; without keyed commands failing (an idle service)
      // nothing else would ask for one, and readiness would stay down after the master returned.
      redis.refreshSlotsCache();
      throw PlatformErrors.create('STORE_UNAVAILABLE', `Redis Cluster: ${which}`);
    }
  }
  if (masters.length === 0) throw PlatformErrors.create('STORE_UNAVAILABLE', 'Redis Cluster: no master reachable');
  await Promise.all(masters.map((master) => redisCall(() => master.ping())));
  const info = await redisCall(() => masters[0]!.cluster('INFO'));
  const state = /^cluster_state:(\w+)/m.exec(String(info))?.[1];
  if (state !== 'ok') {
    throw PlatformErrors.create('STORE_UNAVAILABLE', `Redis Cluster state is ${state ?? 'unknown'}, not ok`);
  }
}

/** The target for logs and error messages, without a password. */
export function describeRedisTarget(target: RedisTarget): string {
  switch (target.kind) {
    case 'standalone':
      return redactUrl(target.url);
    case 'cluster':
      return `cluster ${target.nodes.join(',')}`;
    case 'sentinel':
      return `sentinel master ${target.name} via ${target.sentinels.join(',')}`;
  }
}

/** The URL without its password, for logs and error messages. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

/**
 * Runs a Redis call, turning connection failures into STORE_UNAVAILABLE (retriable, 503). Errors Redis itself
 * replied with are bugs in our commands and pass through unchanged, except CLUSTERDOWN and TRYAGAIN, which a
 * Redis Cluster answers while a master is down or a slot moves: those are the store being unavailable too.
 */
export async function redisCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (
      error instanceof Error &&
      error.name === 'ReplyError' &&
      !/^(CLUSTERDOWN|TRYAGAIN|MASTERDOWN)/.test(error.message)
    )
      throw error;
    throw PlatformErrors.create('STORE_UNAVAILABLE', `Redis is unavailable: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Runs a pipeline through redisCall. A pipeline reports errors per command, a closed or lost connection included, so
 * the first one is thrown (and mapped as redisCall maps it) instead of being returned among the replies.
 */
export async function redisPipeline(pipeline: ReturnType<RedisClient['pipeline']>): Promise<unknown[]> {
  return redisCall(async () => {
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, reply]) => {
      if (error) throw error;
      return reply;
    });
  });
}
