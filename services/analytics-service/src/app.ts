import { createHttpApp, createReadiness, type HttpApp, type Logger, type Metrics } from '@orderflow/platform';
import { SERVICE_NAME } from './analytics-config.ts';
import type { AnalyticsStore } from './analytics-store.ts';
import { registerStatsRoutes } from './stats-routes.ts';

/** What readiness needs to know about Kafka; main.ts answers from the running consumer. */
export interface KafkaStatus {
  /** Resolves when the cluster answers a request; rejects otherwise. */
  ping(): Promise<void>;
  /** True while the consumer is a member of its group with an assignment. */
  consumerAssigned(): boolean;
}

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
  readiness.register('kafka', () => kafka.ping());
  readiness.register('consumer', () =>
    kafka.consumerAssigned() ? true : { ok: false, detail: `not assigned in the ${SERVICE_NAME} group yet` },
  );
  const app = createHttpApp({ log, name: SERVICE_NAME, readiness, metrics });
  registerStatsRoutes(app, { store, consumerLag: metrics.consumerLag, now: deps.now ?? Date.now });
  return app;
}
