import type { Store } from '@orderflow/platform';
import type { NotificationStore } from './notification-store.ts';
import { createRedisNotificationStore } from './redis-notification-store.ts';
import { createSqliteNotificationStore } from './sqlite-notification-store.ts';

/** The notification store on whichever backend the platform store opened (Redis when REDIS_URL is set, else SQLite). */
export function openNotificationStore(store: Store, retentionMs: number): NotificationStore {
  const { backend } = store;
  return backend.kind === 'redis'
    ? createRedisNotificationStore({ redis: backend.redis, keyPrefix: backend.keyPrefix, retentionMs })
    : createSqliteNotificationStore({ db: backend.db, retentionMs });
}
