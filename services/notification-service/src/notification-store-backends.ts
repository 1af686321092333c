import type { StoreFactories } from '@orderflow/platform';
import type { NotificationStore, NotificationStoreSettings } from './notification-store.ts';
import { createRedisNotificationStore } from './redis-notification-store.ts';
import { createSqliteNotificationStore } from './sqlite-notification-store.ts';

/** The notification store on each backend, for selectStoreBackend(). */
export const notificationStoreBackends: StoreFactories<NotificationStore, NotificationStoreSettings> = {
  redis: createRedisNotificationStore,
  sqlite: createSqliteNotificationStore,
};
