import { createServiceApp, type HttpApp, type ServiceAppDeps } from '@orderflow/platform';
import { SERVICE_NAME } from './analytics-config.ts';
import type { RebuildAnalytics } from './analytics-rebuild.ts';
import type { AnalyticsStore } from './analytics-store.ts';
import { registerRebuildRoutes } from './rebuild-routes.ts';
import { registerStatsRoutes } from './stats-routes.ts';

export interface AppDeps extends ServiceAppDeps<AnalyticsStore> {
  readonly now?: () => number;
  /** POST /admin/rebuild, behind ADMIN_TOKEN; the route exists only when given. */
  readonly rebuild?: { readonly run: RebuildAnalytics; readonly adminToken: string | undefined };
}

export function buildApp(deps: AppDeps): HttpApp {
  const { log, store, kafka, metrics } = deps;
  const app = createServiceApp({ log, name: SERVICE_NAME, metrics, store, kafka });
  registerStatsRoutes(app, { store, consumerLag: metrics.consumerLag, now: deps.now ?? Date.now });
  if (deps.rebuild) registerRebuildRoutes(app, { rebuild: deps.rebuild.run, adminToken: deps.rebuild.adminToken });
  return app;
}
