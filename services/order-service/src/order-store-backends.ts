import type { Clock, StoreFactories } from '@orderflow/platform';
import type { OrderStore, OrderStoreSettings } from './order-store.ts';
import { createRedisOrderStore } from './redis-order-store.ts';
import { createSqliteOrderStore } from './sqlite-order-store.ts';

/** The order store on each backend, for selectStoreBackend(). `now` moves SQLite's expiry clock in tests. */
export const orderStoreBackends: StoreFactories<OrderStore, OrderStoreSettings & { readonly now?: Clock }> = {
  redis: createRedisOrderStore,
  sqlite: createSqliteOrderStore,
};
