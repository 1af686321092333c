import { createServiceApp, type HttpApp, type ServiceAppDeps } from '@orderflow/platform';
import { SERVICE_NAME } from './notification-config.ts';
import { registerNotificationRoutes } from './notification-routes.ts';
import type { NotificationStore } from './notification-store.ts';

export interface AppDeps extends ServiceAppDeps<NotificationStore> {
  readonly now?: () => number;
}

export function buildApp(deps: AppDeps): HttpApp {
  const { log, store, kafka, metrics } = deps;
  const app = createServiceApp({ log, name: SERVICE_NAME, metrics, store, kafka });
  registerNotificationRoutes(app, { store, ...(deps.now === undefined ? {} : { now: deps.now }) });
  return app;
}
