import { createServiceApp, type HttpApp, type KafkaStatus, type Logger, type Metrics } from '@orderflow/platform';
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
  const app = createServiceApp({ log, name: SERVICE_NAME, metrics, store, kafka });
  registerNotificationRoutes(app, { store, ...(deps.now === undefined ? {} : { now: deps.now }) });
  return app;
}
