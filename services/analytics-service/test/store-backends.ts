import {
  serviceTestBackends,
  type TestBackend as AnyTestBackend,
  type TestStore as AnyTestStore,
} from '@orderflow/platform/testing';
import { analyticsStoreBackends } from '../src/analytics-store-backends.ts';
import type { AnalyticsStore, AnalyticsStoreSettings } from '../src/analytics-store.ts';

export { TEST_REDIS_URL as REDIS_URL } from '@orderflow/platform/testing';
export const DEDUPE_RETENTION_MS = 7 * 24 * 60 * 60_000;
export type TestStore = AnyTestStore<AnalyticsStore, AnalyticsStoreSettings>;
export type TestBackend = AnyTestBackend<AnalyticsStore, AnalyticsStoreSettings>;

export const { backends, sqliteBackend, redisBackend, redisClusterBackend } = serviceTestBackends({
  service: 'analytics-service',
  factories: analyticsStoreBackends,
  settings: { dedupeRetentionMs: DEDUPE_RETENTION_MS },
});
