import { adminTokenConfigSpec, type Config, defineConfig, serviceConfigSpec } from '@orderflow/platform';

export const SERVICE_NAME = 'analytics-service';

const DAY_MS = 24 * 60 * 60_000;

/** Everything analytics-service reads from the environment; only main.ts loads it. */
export const analyticsConfigSpec = defineConfig({
  ...serviceConfigSpec(SERVICE_NAME, 8084),
  /** ADMIN_TOKEN guards POST /admin/rebuild; without it the admin API is off. */
  ...adminTokenConfigSpec,
  /**
   * How long a counted event id is remembered to recognise its redelivery. It should outlast the topics' retention
   * (7 days by default): an event replayed after its id was forgotten, e.g. by resetting the group's offsets to the
   * earliest, would be counted again. Never below the 24 h the time series covers.
   */
  ANALYTICS_DEDUPE_RETENTION: { type: 'duration', default: '7d', min: DAY_MS },
});

export type AnalyticsConfig = Config<typeof analyticsConfigSpec>;
