import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, openStore, selectStoreBackend, type Store } from '@orderflow/platform';
import { Redis } from 'ioredis';
import type { AnalyticsStore } from '../src/analytics-store.ts';
import { analyticsStoreBackends } from '../src/analytics-store-backends.ts';

// The two store backends as tests use them: every call to fresh() is a new, empty data set (a unique Redis key
// prefix, or a new SQLite directory) that can be opened several times over separate connections, as several
// instances of the service would.

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DEDUPE_RETENTION_MS = 7 * 24 * 60 * 60_000;
const log = createLogger({ name: 'analytics-test', level: 'silent' });

export interface StoreConfig {
  readonly REDIS_URL: string | undefined;
  readonly REDIS_CLUSTER_NODES?: readonly string[];
  readonly ORDERFLOW_DATA_DIR: string;
}

export interface TestStore {
  /** Opens the data set over a new connection. */
  open(): Promise<{ store: AnalyticsStore; platform: Store }>;
  readonly config: StoreConfig;
  readonly namespace: string;
  /** Closes every connection and deletes the data. */
  cleanup(): Promise<void>;
}

export interface TestBackend {
  readonly name: 'redis' | 'sqlite' | 'redis-cluster';
  fresh(options?: { readonly dedupeRetentionMs?: number }): TestStore;
}

export const sqliteBackend: TestBackend = {
  name: 'sqlite',
  fresh(options = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'analytics-store-'));
    const config = { REDIS_URL: undefined, ORDERFLOW_DATA_DIR: dir };
    return testStore(config, 'analytics-service', options.dedupeRetentionMs, async () => {
      rmSync(dir, { recursive: true, force: true });
    });
  },
};

export const redisBackend: TestBackend = {
  name: 'redis',
  fresh(options = {}) {
    const namespace = `analytics-test-${randomUUID()}`;
    return testStore({ REDIS_URL, ORDERFLOW_DATA_DIR: '.unused' }, namespace, options.dedupeRetentionMs, () =>
      deleteKeys(`orderflow:${namespace}:*`),
    );
  },
};

export const backends: readonly TestBackend[] = [redisBackend, sqliteBackend];

/** A Redis Cluster the test started (startRedisCluster); its data goes with it, so nothing is deleted here. */
export function redisClusterBackend(seeds: string): TestBackend {
  return {
    name: 'redis-cluster',
    fresh(options = {}) {
      const namespace = `analytics-test-${randomUUID()}`;
      const config = { REDIS_URL: undefined, REDIS_CLUSTER_NODES: seeds.split(','), ORDERFLOW_DATA_DIR: '.unused' };
      return testStore(config, namespace, options.dedupeRetentionMs, async () => undefined);
    },
  };
}

/** Opens one more connection to a data set; the worker threads of the concurrency test use it too. */
export async function openTestStore(
  config: StoreConfig,
  namespace: string,
  dedupeRetentionMs = DEDUPE_RETENTION_MS,
): Promise<{ store: AnalyticsStore; platform: Store }> {
  const platform = await openStore(config, { log, namespace });
  return { store: selectStoreBackend(platform, analyticsStoreBackends, { dedupeRetentionMs }), platform };
}

function testStore(
  config: StoreConfig,
  namespace: string,
  dedupeRetentionMs: number | undefined,
  removeData: () => Promise<void>,
): TestStore {
  const opened: Store[] = [];
  return {
    config,
    namespace,
    async open() {
      const connection = await openTestStore(config, namespace, dedupeRetentionMs);
      opened.push(connection.platform);
      return connection;
    },
    async cleanup() {
      for (const platform of opened) await platform.close();
      await removeData();
    },
  };
}

export async function deleteKeys(pattern: string): Promise<void> {
  const admin = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await admin.del(...keys);
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
}
