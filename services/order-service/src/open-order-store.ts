import type { Clock, Store } from '@orderflow/platform';
import type { OrderStore, OrderStoreSettings } from './order-store.ts';
import { createRedisOrderStore } from './redis-order-store.ts';
import { createSqliteOrderStore } from './sqlite-order-store.ts';

/** The OrderStore on whichever backend openStore() chose: Redis when REDIS_URL is set, SQLite otherwise. */
export function openOrderStore(store: Store, settings: OrderStoreSettings, now?: Clock): OrderStore {
  const ping = () => store.ping();
  const { backend } = store;
  return backend.kind === 'redis'
    ? createRedisOrderStore(backend.redis, backend.keyPrefix, settings, ping)
    : createSqliteOrderStore(backend.db, settings, ping, now);
}
