import { createServiceApp, type EventProducer, type HttpApp, type ServiceAppDeps } from '@orderflow/platform';
import { createStockAdmin } from './stock-admin.ts';
import { SERVICE_NAME } from './stock-config.ts';
import { registerStockRoutes } from './stock-routes.ts';
import type { StockStore } from './stock-store.ts';

export interface AppDeps extends ServiceAppDeps<StockStore> {
  readonly producer: EventProducer;
  readonly config: { readonly ADMIN_TOKEN: string | undefined };
}

export function buildApp(deps: AppDeps): HttpApp {
  const { log, store, producer, kafka, metrics } = deps;
  const app = createServiceApp({ log, name: SERVICE_NAME, metrics, store, kafka });
  const admin = createStockAdmin({ store, producer, log: log.child({ component: 'stock-admin' }) });
  registerStockRoutes(app, { store, admin, adminToken: deps.config.ADMIN_TOKEN });
  return app;
}
