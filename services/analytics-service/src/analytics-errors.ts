import { defineErrors } from '@orderflow/platform';

/**
 * analytics-service's own error codes. An invalid query and an unreachable store use the platform's codes
 * (VALIDATION_FAILED, STORE_UNAVAILABLE).
 */
export const AnalyticsErrors = defineErrors({
  /** No counted event was about this product (or not yet: analytics is eventually consistent). */
  PRODUCT_STATS_NOT_FOUND: { status: 404, title: 'No statistics for this product', retriable: false },
  /** POST /admin/rebuild while a rebuild is running: the first one goes on; ask again when it has answered. */
  REBUILD_IN_PROGRESS: { status: 409, title: 'Rebuild in progress', retriable: true },
});

export type AnalyticsErrorCode = keyof typeof AnalyticsErrors.definitions;
