import type { DatabaseSync } from 'node:sqlite';
import type { DistributedLock } from './distributed-lock.ts';
import type { RedisClient } from './redis/open-redis.ts';
import type { Store } from './store.ts';

/** What every Redis-backed service store is given besides its own settings. */
export interface RedisStoreConnection {
  readonly redis: RedisClient;
  /** Ends with `:`; `orderflow:<service>:` in production, unique per test. */
  readonly keyPrefix: string;
  readonly locks: DistributedLock;
}

/** What every SQLite-backed service store is given besides its own settings. The platform store closes `db`. */
export interface SqliteStoreConnection {
  readonly db: DatabaseSync;
  readonly locks: DistributedLock;
}

/**
 * A service store's two implementations. Both take one options object: the connection and the service's own
 * settings `S`, so every service store is built the same way and a new backend is one more entry here.
 */
export interface StoreFactories<T, S> {
  readonly redis: (options: RedisStoreConnection & S) => T;
  readonly sqlite: (options: SqliteStoreConnection & S) => T;
}

/** Builds the service store on whichever backend openStore() opened: Redis when configured, SQLite otherwise. */
export function selectStoreBackend<T, S>(store: Store, factories: StoreFactories<T, NoInfer<S>>, settings: S): T {
  const { backend, locks } = store;
  return backend.kind === 'redis'
    ? factories.redis({ ...settings, redis: backend.redis, keyPrefix: backend.keyPrefix, locks })
    : factories.sqlite({ ...settings, db: backend.db, locks });
}
