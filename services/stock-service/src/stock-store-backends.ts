import type { StoreFactories } from '@orderflow/platform';
import { createRedisStockStore } from './redis-stock-store.ts';
import { createSqliteStockStore } from './sqlite-stock-store.ts';
import type { StockStore, StockStoreSettings } from './stock-store.ts';

/** The stock store on each backend, for selectStoreBackend(). */
export const stockStoreBackends: StoreFactories<StockStore, StockStoreSettings> = {
  redis: createRedisStockStore,
  sqlite: createSqliteStockStore,
};
