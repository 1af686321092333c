import { configOrExit, loadConfig, selectStoreBackend, startService } from '@orderflow/platform';
import { buildApp } from './app.ts';
import { orderServiceConfigSpec, SERVICE_NAME } from './order-config.ts';
import { orderStoreBackends } from './order-store-backends.ts';
import { ORDER_TOPICS, startOrderConsumer } from './order-consumer.ts';

// Inside the 10 s the launcher and Kubernetes wait; the consumer leaves the rest for the producer and the store.
const SHUTDOWN_DEADLINE_MS = 9500;

const config = configOrExit(SERVICE_NAME, () => loadConfig(orderServiceConfigSpec, process.env));
const service = await startService({ name: SERVICE_NAME, config });
const { log, metrics } = service;
const orders = selectStoreBackend(service.store, orderStoreBackends, {
  availabilityTtlMs: config.AVAILABILITY_TTL,
  orderRetentionMs: config.ORDER_RETENTION,
});
const producer = service.createProducer({
  component: 'order-producer',
  publishTimeoutMs: config.KAFKA_PUBLISH_TIMEOUT,
  lingerMs: config.KAFKA_LINGER,
});

// HTTP serves (and reports not-ready) while the consumer joins, so a broker that comes up after us is waited for
// instead of crashing the service.
service.superviseConsumer({
  component: 'stock-consumer',
  describe: { topics: ORDER_TOPICS },
  start: (context) => startOrderConsumer({ ...context, store: orders }),
});

const app = buildApp({
  log,
  store: orders,
  producer,
  kafka: service.kafka,
  metrics,
  settings: { IDEMPOTENCY_TTL: config.IDEMPOTENCY_TTL, KAFKA_PUBLISH_TIMEOUT: config.KAFKA_PUBLISH_TIMEOUT },
});
// HTTP first, so no new order starts; requests in flight finish (their publishes included) before close resolves.
// The consumer stops alongside: in-flight events finish, offsets are committed and the group is left.
await service.serve(app, {
  shutdownOrder: [['http', 'consumer'], 'producer', ['store', 'telemetry']],
  deadlineMs: SHUTDOWN_DEADLINE_MS,
});
log.info({ port: config.PORT, backend: service.store.backend.kind }, 'order-service started');
