import {
  configOrExit,
  createEventProducer,
  createLogger,
  createMetrics,
  exitOnShutdownSignals,
  exitOnStartupFailure,
  exitOnUncaughtError,
  kafkaConnectionFromConfig,
  loadConfig,
  openStore,
  selectStoreBackend,
  startTelemetry,
  superviseConsumer,
} from '@orderflow/platform';
import { buildApp } from './app.ts';
import { orderServiceConfigSpec, SERVICE_NAME } from './order-config.ts';
import { orderStoreBackends } from './order-store-backends.ts';
import { ORDER_TOPICS, startOrderConsumer } from './order-consumer.ts';

// Inside the 10 s the launcher and Kubernetes wait; the consumer leaves the rest for the producer and the store.
const SHUTDOWN_DEADLINE_MS = 9500;
const CONSUMER_SHUTDOWN_MS = 7000;

const config = configOrExit(SERVICE_NAME, () => loadConfig(orderServiceConfigSpec, process.env));
const log = createLogger({ name: SERVICE_NAME, level: config.LOG_LEVEL });
exitOnUncaughtError(log, SERVICE_NAME);
const telemetry = await startTelemetry(config, { serviceName: SERVICE_NAME, log }).catch((error: unknown) =>
  exitOnStartupFailure(log, error, 'telemetry could not start'),
);
const metrics = createMetrics({ service: SERVICE_NAME });
const store = await openStore(config, { log, namespace: SERVICE_NAME }).catch((error: unknown) =>
  exitOnStartupFailure(log, error, 'store could not be opened'),
);
const orders = selectStoreBackend(store, orderStoreBackends, {
  availabilityTtlMs: config.AVAILABILITY_TTL,
  orderRetentionMs: config.ORDER_RETENTION,
});
const connection = kafkaConnectionFromConfig(config);
const producer = createEventProducer({
  connection,
  log: log.child({ component: 'order-producer' }),
  metrics,
  publishTimeoutMs: config.KAFKA_PUBLISH_TIMEOUT,
  lingerMs: config.KAFKA_LINGER,
});

// HTTP serves (and reports not-ready) while the consumer joins, so a broker that comes up after us is waited for
// instead of crashing the service.
const consumerLog = log.child({ component: 'stock-consumer' });
const consumer = superviseConsumer({
  log: consumerLog,
  describe: { topics: ORDER_TOPICS },
  start: (brokerCompatibility) =>
    startOrderConsumer({
      connection,
      store: orders,
      log: consumerLog,
      metrics,
      shutdownTimeoutMs: CONSUMER_SHUTDOWN_MS,
      brokerCompatibility,
    }),
});

const app = buildApp({
  log,
  store: orders,
  producer,
  kafka: consumer.status,
  metrics,
  settings: { IDEMPOTENCY_TTL: config.IDEMPOTENCY_TTL, KAFKA_PUBLISH_TIMEOUT: config.KAFKA_PUBLISH_TIMEOUT },
});
await app
  .listen({ port: config.PORT, host: config.HOST })
  .catch((error: unknown) => exitOnStartupFailure(log, error, 'HTTP server could not listen'));

// HTTP first, so no new order starts; requests in flight finish (their publishes included) before close resolves.
// The consumer stops alongside: in-flight events finish, offsets are committed and the group is left.
exitOnShutdownSignals({
  log,
  deadlineMs: SHUTDOWN_DEADLINE_MS,
  steps: [
    [
      { name: 'http', run: () => app.close() },
      { name: 'consumer', run: () => consumer.stop() },
    ],
    { name: 'producer', run: () => producer.close() },
    [
      { name: 'store', run: () => store.close() },
      { name: 'telemetry', run: () => telemetry.shutdown() },
    ],
  ],
});
log.info({ port: config.PORT, backend: store.backend.kind }, 'order-service started');
