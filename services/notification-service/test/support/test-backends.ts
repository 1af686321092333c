import { serviceTestBackends, type TestStore as AnyTestStore } from '@orderflow/platform/testing';
import { notificationStoreBackends } from '../../src/notification-store-backends.ts';
import type { NotificationStore, NotificationStoreSettings } from '../../src/notification-store.ts';

export { TEST_REDIS_URL as REDIS_URL } from '@orderflow/platform/testing';
export const RETENTION_MS = 24 * 3_600_000;
export type TestStore = AnyTestStore<NotificationStore, NotificationStoreSettings>;

export const { backends, sqliteBackend, redisBackend } = serviceTestBackends({
  service: 'notification-service',
  factories: notificationStoreBackends,
  settings: { retentionMs: RETENTION_MS },
});
