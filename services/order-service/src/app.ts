import { createServiceApp, type EventProducer, type HttpApp, type ServiceAppDeps } from '@orderflow/platform';
import { type OrderSettings, SERVICE_NAME } from './order-config.ts';
import { createOrderPlacement } from './order-placement.ts';
import { registerOrderRoutes } from './order-routes.ts';
import type { OrderStore } from './order-store.ts';
import { createPublishHealth } from './publish-health.ts';

export interface AppDeps extends ServiceAppDeps<OrderStore> {
  readonly producer: Pick<EventProducer, 'publish'>;
  readonly settings: Pick<OrderSettings, 'IDEMPOTENCY_TTL' | 'KAFKA_PUBLISH_TIMEOUT'>;
}

// After a failed publish the instance stays not-ready this long, shedding traffic while Kafka recovers.
const PUBLISH_FAILURE_COOL_DOWN_MS = 5000;

export function buildApp(deps: AppDeps): HttpApp {
  const { log, store, producer, kafka, metrics, settings } = deps;
  const publishHealth = createPublishHealth(PUBLISH_FAILURE_COOL_DOWN_MS);
  const checks = { 'kafka-producer': () => publishHealth.check() };
  const app = createServiceApp({ log, name: SERVICE_NAME, metrics, store, kafka, checks });
  const placeOrder = createOrderPlacement({ store, producer, publishHealth, settings });
  registerOrderRoutes(app, { placeOrder, store });
  return app;
}
