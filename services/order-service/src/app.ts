import {
  type AppError,
  createHttpApp,
  createReadiness,
  type EventProducer,
  type HttpApp,
  type Logger,
  type Metrics,
} from '@orderflow/platform';
import { type OrderSettings, SERVICE_NAME } from './order-config.ts';
import { createOrderPlacement } from './order-placement.ts';
import { registerOrderRoutes } from './order-routes.ts';
import type { OrderStore } from './order-store.ts';
import { createPublishHealth } from './publish-health.ts';

export interface AppDeps {
  readonly log: Logger;
  readonly store: OrderStore;
  readonly producer: Pick<EventProducer, 'publish'>;
  /** The stock-topic consumer, or a stand-in while it is still joining its group. */
  readonly stockConsumer: {
    isAssigned(): boolean;
    /** KAFKA_BROKER_UNSUPPORTED while the broker is too old for the client: readiness reports its code. */
    problem?(): AppError | undefined;
  };
  readonly metrics: Metrics;
  readonly settings: Pick<OrderSettings, 'IDEMPOTENCY_TTL' | 'KAFKA_PUBLISH_TIMEOUT'>;
}

// After a failed publish the instance stays not-ready this long, shedding traffic while Kafka recovers.
const PUBLISH_FAILURE_COOL_DOWN_MS = 5000;

export function buildApp(deps: AppDeps): HttpApp {
  const { log, store, producer, stockConsumer, metrics, settings } = deps;
  const publishHealth = createPublishHealth(PUBLISH_FAILURE_COOL_DOWN_MS);
  const readiness = createReadiness();
  readiness.register('store', () => store.ping());
  readiness.register('kafka-producer', () => publishHealth.check());
  readiness.register('stock-consumer', () => {
    const problem = stockConsumer.problem?.();
    if (problem !== undefined) return { ok: false, code: problem.code, detail: problem.detail };
    return stockConsumer.isAssigned() ? { ok: true } : { ok: false, detail: 'not a member of its consumer group yet' };
  });

  const app = createHttpApp({ log, name: SERVICE_NAME, readiness, metrics });
  const placeOrder = createOrderPlacement({ store, producer, publishHealth, settings });
  registerOrderRoutes(app, { placeOrder, store });
  return app;
}
