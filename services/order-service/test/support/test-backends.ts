import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, createLogger, openStore, selectStoreBackend, type Store } from '@orderflow/platform';
import { Redis } from 'ioredis';
import { orderStoreBackends } from '../../src/order-store-backends.ts';
import type { OrderStore, OrderStoreSettings } from '../../src/order-store.ts';
import { ORDER_HASH_TAG } from '../../src/redis-order-store.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const testSettings: OrderStoreSettings = { availabilityTtlMs: 3_600_000, orderRetentionMs: 30 * 86_400_000 };

export interface TestBackend {
  readonly name: 'redis' | 'sqlite';
  /** What main.ts would get from storeConfigSpec for this backend. */
  readonly storeConfig: { REDIS_URL: string | undefined; ORDERFLOW_DATA_DIR: string };
  /** openStore's namespace: Redis keys live under `orderflow:<namespace>:`. */
  readonly namespace: string;
  /** Opens another platform store and OrderStore on the same data, as another instance would. */
  open(now?: Clock): Promise<{ store: Store; orders: OrderStore }>;
  /** Idempotency records currently held, by scoped key; for asserting nothing is left behind. */
  requestKeys(): Promise<string[]>;
  cleanup(): Promise<void>;
}

const silent = createLogger({ name: 'order-service-test', level: 'silent' });

export function sqliteBackend(): TestBackend {
  const dir = mkdtempSync(join(tmpdir(), 'order-service-'));
  const namespace = 'order-service';
  const storeConfig = { REDIS_URL: undefined, ORDERFLOW_DATA_DIR: dir };
  const stores: Store[] = [];
  return {
    name: 'sqlite',
    storeConfig,
    namespace,
    async open(now) {
      const store = await openStore(storeConfig, { log: silent, namespace, ...(now ? { now } : {}) });
      stores.push(store);
      return {
        store,
        orders: selectStoreBackend(store, orderStoreBackends, { ...testSettings, ...(now ? { now } : {}) }),
      };
    },
    async requestKeys() {
      const { store } = await this.open();
      if (store.backend.kind !== 'sqlite') throw new Error('unreachable');
      const rows = store.backend.db
        .prepare('SELECT key FROM order_requests WHERE expires_at > ? ORDER BY key')
        .all(Date.now()) as { key: string }[];
      return rows.map((row) => row.key);
    },
    async cleanup() {
      for (const store of stores) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function redisBackend(): TestBackend {
  const namespace = `order-service-test-${randomUUID()}`;
  const prefix = `orderflow:${namespace}:`;
  const storeConfig = { REDIS_URL, ORDERFLOW_DATA_DIR: '.unused' };
  const admin = new Redis(REDIS_URL, { lazyConnect: true });
  const stores: Store[] = [];
  async function keys(pattern: string): Promise<string[]> {
    if (admin.status === 'wait') await admin.connect();
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  }
  return {
    name: 'redis',
    storeConfig,
    namespace,
    async open() {
      const store = await openStore(storeConfig, { log: silent, namespace });
      stores.push(store);
      return { store, orders: selectStoreBackend(store, orderStoreBackends, testSettings) };
    },
    async requestKeys() {
      const requests = `${prefix}${ORDER_HASH_TAG}:request:`;
      return (await keys(`${requests}*`)).map((key) => key.slice(requests.length)).sort();
    },
    async cleanup() {
      const leftovers = await keys(`${prefix}*`);
      if (leftovers.length > 0) await admin.del(...leftovers);
      await admin.quit();
      for (const store of stores) await store.close();
    },
  };
}

export const backends: readonly (() => TestBackend)[] = [sqliteBackend, redisBackend];
