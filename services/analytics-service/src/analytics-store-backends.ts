import type { StoreFactories } from '@orderflow/platform';
import type { AnalyticsStore, AnalyticsStoreSettings } from './analytics-store.ts';
import { createRedisAnalyticsStore } from './redis-analytics-store.ts';
import { createSqliteAnalyticsStore } from './sqlite-analytics-store.ts';

/** The analytics store on each backend, for selectStoreBackend(). */
export const analyticsStoreBackends: StoreFactories<AnalyticsStore, AnalyticsStoreSettings> = {
  redis: createRedisAnalyticsStore,
  sqlite: createSqliteAnalyticsStore,
};
