import type { Store } from '@orderflow/platform';
import { createRedisStockStore } from './redis-stock-store.ts';
import { createSqliteStockStore } from './sqlite-stock-store.ts';
import type { StockStore } from './stock-store.ts';

/** The stock store on whichever backend the platform store opened (Redis when REDIS_URL is set, else SQLite). */
export function openStockStore(store: Store, reservationRetentionMs: number): StockStore {
  const { backend, locks } = store;
  return backend.kind === 'redis'
    ? createRedisStockStore({ redis: backend.redis, keyPrefix: backend.keyPrefix, locks, reservationRetentionMs })
    : createSqliteStockStore({ db: backend.db, locks, reservationRetentionMs });
}
