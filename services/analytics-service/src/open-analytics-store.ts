import type { Store } from '@orderflow/platform';
import type { AnalyticsStore } from './analytics-store.ts';
import { createRedisAnalyticsStore } from './redis-analytics-store.ts';
import { createSqliteAnalyticsStore } from './sqlite-analytics-store.ts';

/** The analytics store on whichever backend the platform store opened (Redis when REDIS_URL is set, else SQLite). */
export function openAnalyticsStore(store: Store, dedupeRetentionMs: number): AnalyticsStore {
  const { backend } = store;
  return backend.kind === 'redis'
    ? createRedisAnalyticsStore({ redis: backend.redis, keyPrefix: backend.keyPrefix, dedupeRetentionMs })
    : createSqliteAnalyticsStore({ db: backend.db, dedupeRetentionMs });
}
