import { join } from 'node:path';
import type { Logger } from '../logger.ts';
import { describeRedisTarget, openRedisTarget, pingRedis, type RedisTarget } from './redis/open-redis.ts';
import { createRedisDistributedLock } from './redis/redis-distributed-lock.ts';
import { ensureSqliteOpen, openSqlite } from './sqlite/open-sqlite.ts';
import { createSqliteDistributedLock } from './sqlite/sqlite-distributed-lock.ts';
import type { Clock, Store } from './store.ts';

/** The store settings of storeConfigSpec. */
export interface StoreConfig {
  readonly REDIS_URL: string | undefined;
  readonly REDIS_CLUSTER_NODES?: readonly string[] | undefined;
  readonly REDIS_SENTINELS?: readonly string[] | undefined;
  readonly REDIS_SENTINEL_NAME?: string | undefined;
  readonly ORDERFLOW_DATA_DIR: string;
}

/** The Redis the config names, or undefined for SQLite. loadConfig() has already refused more than one. */
export function redisTargetOf(config: StoreConfig): RedisTarget | undefined {
  if (config.REDIS_URL !== undefined) return { kind: 'standalone', url: config.REDIS_URL };
  if (config.REDIS_CLUSTER_NODES !== undefined) return { kind: 'cluster', nodes: config.REDIS_CLUSTER_NODES };
  if (config.REDIS_SENTINELS !== undefined && config.REDIS_SENTINEL_NAME !== undefined) {
    return { kind: 'sentinel', sentinels: config.REDIS_SENTINELS, name: config.REDIS_SENTINEL_NAME };
  }
  return undefined;
}

export interface OpenStoreOptions {
  readonly log: Logger;
  /**
   * Whose data this is, usually the service name: Redis keys are prefixed `orderflow:<namespace>:` and the SQLite
   * file is `<ORDERFLOW_DATA_DIR>/<namespace>.sqlite`, so services never see each other's keys.
   */
  readonly namespace: string;
  /** SQLite only: the clock expiry is measured against. Redis expires keys on its own clock. */
  readonly now?: Clock;
}

/** Redis when REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS is set, else SQLite under ORDERFLOW_DATA_DIR. */
export async function openStore(config: StoreConfig, options: OpenStoreOptions): Promise<Store> {
  const { log, namespace } = options;
  if (!/^[A-Za-z0-9._-]+$/.test(namespace)) throw new TypeError(`invalid store namespace ${JSON.stringify(namespace)}`);

  const target = redisTargetOf(config);
  if (target !== undefined) {
    const redis = await openRedisTarget(target, { log });
    const keyPrefix = `orderflow:${namespace}:`;
    log.info({ backend: 'redis', redis: describeRedisTarget(target), keyPrefix }, 'store opened');
    return {
      backend: { kind: 'redis', redis, keyPrefix },
      locks: createRedisDistributedLock(redis, keyPrefix),
      async ping() {
        await pingRedis(redis);
      },
      async close() {
        try {
          await redis.quit();
        } catch {
          redis.disconnect();
        }
      },
    };
  }

  const path = join(config.ORDERFLOW_DATA_DIR, `${namespace}.sqlite`);
  const db = openSqlite(path);
  const now = options.now ?? Date.now;
  log.info({ backend: 'sqlite', path }, 'store opened');
  return {
    backend: { kind: 'sqlite', db, path },
    locks: createSqliteDistributedLock(db, now),
    async ping() {
      ensureSqliteOpen(db, namespace);
      db.prepare('SELECT 1').get();
    },
    async close() {
      if (db.isOpen) db.close();
    },
  };
}
