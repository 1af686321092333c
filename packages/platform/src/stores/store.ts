import type { DatabaseSync } from 'node:sqlite';
import type { RedisClient } from './redis/open-redis.ts';
import type { DistributedLock } from './distributed-lock.ts';

/** The raw connection, for service-specific stores built on the same backend. */
export type StoreBackend =
  | { readonly kind: 'redis'; readonly redis: RedisClient; readonly keyPrefix: string }
  | { readonly kind: 'sqlite'; readonly db: DatabaseSync; readonly path: string };

/** A service's stores on one backend, opened by openStore(). */
export interface Store {
  readonly backend: StoreBackend;
  readonly locks: DistributedLock;
  /** Resolves when the backend answers; rejects with STORE_UNAVAILABLE otherwise. For readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Milliseconds since the epoch; injectable so SQLite expiry can be tested without waiting. */
export type Clock = () => number;
