import {
  type Config,
  defineConfig,
  httpConfigSpec,
  kafkaConfigSpec,
  logConfigSpec,
  storeConfigSpec,
  telemetryConfigSpec,
} from '@orderflow/platform';

export const SERVICE_NAME = 'analytics-service';

const DAY_MS = 24 * 60 * 60_000;

/** Everything analytics-service reads from the environment; only main.ts loads it. */
export const analyticsConfigSpec = defineConfig({
  ...httpConfigSpec(8084),
  ...kafkaConfigSpec(SERVICE_NAME),
  ...storeConfigSpec,
  ...logConfigSpec,
  ...telemetryConfigSpec,
  /**
   * How long a counted event id is remembered to recognise its redelivery. It should outlast the topics' retention
   * (7 days by default): an event replayed after its id was forgotten, e.g. by resetting the group's offsets to the
   * earliest, would be counted again. Never below the 24 h the time series covers.
   */
  /** Guards POST /admin/rebuild; without it the admin API is off. */
  ADMIN_TOKEN: { type: 'string', optional: true, secret: true, pattern: /^\S+$/, allowed: 'a token without spaces' },
  ANALYTICS_DEDUPE_RETENTION: { type: 'duration', default: '7d', min: DAY_MS },
});

export type AnalyticsConfig = Config<typeof analyticsConfigSpec>;
