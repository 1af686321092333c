import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, openStore, selectStoreBackend, type Store } from '@orderflow/platform';
import { Redis } from 'ioredis';
import { stockStoreBackends } from '../src/stock-store-backends.ts';
import type { StockStore } from '../src/stock-store.ts';

// The two store backends as tests use them: every call to fresh() is a new, empty data set (a unique Redis key
// prefix, or a new SQLite directory) that can be opened several times over separate connections, as several
// instances of the service would.

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const RETENTION_MS = 60 * 60_000;
const log = createLogger({ name: 'stock-test', level: 'silent' });

export interface TestStore {
  /** Opens the data set over a new connection. */
  open(): Promise<{ store: StockStore; platform: Store }>;
  /** The platform store config main.ts would be given, for tests that start the whole service. */
  readonly config: {
    readonly REDIS_URL: string | undefined;
    readonly REDIS_CLUSTER_NODES?: readonly string[];
    readonly ORDERFLOW_DATA_DIR: string;
  };
  readonly namespace: string;
  /** Closes every connection and deletes the data. */
  cleanup(): Promise<void>;
}

export interface TestBackend {
  readonly name: 'redis' | 'sqlite' | 'redis-cluster';
  fresh(): TestStore;
}

export const sqliteBackend: TestBackend = {
  name: 'sqlite',
  fresh() {
    const dir = mkdtempSync(join(tmpdir(), 'stock-store-'));
    return testStore({ REDIS_URL: undefined, ORDERFLOW_DATA_DIR: dir }, 'stock-service', async () => {
      rmSync(dir, { recursive: true, force: true });
    });
  },
};

export const redisBackend: TestBackend = {
  name: 'redis',
  fresh() {
    const namespace = `stock-test-${randomUUID()}`;
    return testStore({ REDIS_URL, ORDERFLOW_DATA_DIR: '.unused' }, namespace, () =>
      deleteKeys(`orderflow:${namespace}:*`),
    );
  },
};

export const backends: readonly TestBackend[] = [redisBackend, sqliteBackend];

/** A Redis Cluster the test started (startRedisCluster); its data goes with it, so nothing is deleted here. */
export function redisClusterBackend(seeds: string): TestBackend {
  return {
    name: 'redis-cluster',
    fresh() {
      const namespace = `stock-test-${randomUUID()}`;
      const config = { REDIS_URL: undefined, REDIS_CLUSTER_NODES: seeds.split(','), ORDERFLOW_DATA_DIR: '.unused' };
      return testStore(config, namespace, async () => undefined);
    },
  };
}

function testStore(config: TestStore['config'], namespace: string, removeData: () => Promise<void>): TestStore {
  const opened: Store[] = [];
  return {
    config,
    namespace,
    async open() {
      const platform = await openStore(config, { log, namespace });
      opened.push(platform);
      return {
        store: selectStoreBackend(platform, stockStoreBackends, { reservationRetentionMs: RETENTION_MS }),
        platform,
      };
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
