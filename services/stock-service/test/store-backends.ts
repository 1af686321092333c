import { serviceTestBackends, type TestStore as AnyTestStore } from '@orderflow/platform/testing';
import { stockStoreBackends } from '../src/stock-store-backends.ts';
import type { StockStore, StockStoreSettings } from '../src/stock-store.ts';

export { TEST_REDIS_URL as REDIS_URL } from '@orderflow/platform/testing';
export const RETENTION_MS = 60 * 60_000;
export type TestStore = AnyTestStore<StockStore, StockStoreSettings>;

export const { backends, sqliteBackend, redisBackend, redisClusterBackend } = serviceTestBackends({
  service: 'stock-service',
  factories: stockStoreBackends,
  settings: { reservationRetentionMs: RETENTION_MS },
});
