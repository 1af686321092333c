import {
  createHttpApp,
  createReadiness,
  type HttpApp,
  type KafkaStatus,
  type Logger,
  type Metrics,
  registerKafkaReadiness,
} from '@orderflow/platform';
import { SERVICE_NAME } from './analytics-config.ts';
import type { AnalyticsStore } from './analytics-store.ts';
import { registerStatsRoutes } from './stats-routes.ts';

export interface AppDeps {
  readonly log: Logger;
  readonly store: AnalyticsStore;
  readonly kafka: KafkaStatus;
  /** The service's metrics; GET /stats reports the consumer lag from its gauge. */
  readonly metrics: Metrics;
  readonly now?: () => number;
}

export function buildApp(deps: AppDeps): HttpApp {
  const { log, store, kafka, metrics } = deps;
  const readiness = createReadiness();
  readiness.register('store', () => store.ping());
  registerKafkaReadiness(readiness, kafka, SERVICE_NAME);
  const app = createHttpApp({ log, name: SERVICE_NAME, readiness, metrics });
  registerStatsRoutes(app, { store, consumerLag: metrics.consumerLag, now: deps.now ?? Date.now });
  return app;
}
