import {
  createHttpApp,
  createReadiness,
  type HttpApp,
  type KafkaStatus,
  type Logger,
  type Metrics,
  registerKafkaReadiness,
} from '@orderflow/platform';
import { SERVICE_NAME } from './notification-config.ts';
import { registerNotificationRoutes } from './notification-routes.ts';
import type { NotificationStore } from './notification-store.ts';

export interface AppDeps {
  readonly log: Logger;
  readonly store: NotificationStore;
  readonly kafka: KafkaStatus;
  readonly metrics: Metrics;
  readonly now?: () => number;
}

export function buildApp(deps: AppDeps): HttpApp {
  const { log, store, kafka, metrics } = deps;
  const readiness = createReadiness();
  readiness.register('store', () => store.ping());
  registerKafkaReadiness(readiness, kafka, SERVICE_NAME);
  const app = createHttpApp({ log, name: SERVICE_NAME, readiness, metrics });
  registerNotificationRoutes(app, { store, ...(deps.now === undefined ? {} : { now: deps.now }) });
  return app;
}
