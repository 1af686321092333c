import {
  createHttpApp,
  createReadiness,
  type EventProducer,
  type HttpApp,
  type Logger,
  type Metrics,
} from '@orderflow/platform';
import { createStockAdmin } from './stock-admin.ts';
import { SERVICE_NAME } from './stock-config.ts';
import { registerStockRoutes } from './stock-routes.ts';
import type { StockStore } from './stock-store.ts';

/** What readiness needs to know about Kafka; main.ts answers from the running consumer. */
export interface KafkaStatus {
  /** Resolves when the cluster answers a request; rejects otherwise. */
  ping(): Promise<void>;
  /** True while the consumer is a member of its group with an assignment. */
  consumerAssigned(): boolean;
}

export interface AppDeps {
  readonly log: Logger;
  readonly store: StockStore;
  readonly producer: EventProducer;
  readonly kafka: KafkaStatus;
  readonly metrics: Metrics;
  readonly config: { readonly ADMIN_TOKEN: string | undefined };
}

export function buildApp(deps: AppDeps): HttpApp {
  const { log, store, producer, kafka, metrics } = deps;
  const readiness = createReadiness();
  readiness.register('store', () => store.ping());
  readiness.register('kafka', () => kafka.ping());
  readiness.register('consumer', () =>
    kafka.consumerAssigned() ? true : { ok: false, detail: `not assigned in the ${SERVICE_NAME} group yet` },
  );
  const app = createHttpApp({ log, name: SERVICE_NAME, readiness, metrics });
  const admin = createStockAdmin({ store, producer, log: log.child({ component: 'stock-admin' }) });
  registerStockRoutes(app, { store, admin, adminToken: deps.config.ADMIN_TOKEN });
  return app;
}
