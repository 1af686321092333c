import { ConsumerGroups } from '@orderflow/contracts';
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
import { EVENTS_PER_BATCH } from './reservation-handler.ts';
import { SERVICE_NAME, stockConfigSpec } from './stock-config.ts';
import { STOCK_TOPICS, startStockConsumer } from './stock-consumer.ts';
import { createStockMetrics } from './stock-metrics.ts';
import { stockStoreBackends } from './stock-store-backends.ts';
import { resolveSeed } from './stock-seed.ts';

// The consumer gets most of the shutdown deadline; HTTP, the producer and the store need little.
const CONSUMER_SHUTDOWN_MS = 7000;

const { config, seed } = configOrExit(SERVICE_NAME, () => {
  const config = loadConfig(stockConfigSpec, process.env);
  return { config, seed: resolveSeed(config) };
});
const log = createLogger({ name: SERVICE_NAME, level: config.LOG_LEVEL });
exitOnUncaughtError(log, SERVICE_NAME);
const telemetry = await startTelemetry(config, { serviceName: SERVICE_NAME, log }).catch((error: unknown) =>
  exitOnStartupFailure(log, error, 'telemetry could not start'),
);
const metrics = createMetrics({ service: SERVICE_NAME });
const platformStore = await openStore(config, { log, namespace: SERVICE_NAME }).catch((error: unknown) =>
  exitOnStartupFailure(log, error, 'store could not be opened'),
);
const store = selectStoreBackend(platformStore, stockStoreBackends, {
  reservationRetentionMs: config.STOCK_RESERVATION_RETENTION,
});
const seeded = await store.seed(seed).catch((error: unknown) => exitOnStartupFailure(log, error, 'seeding failed'));
if (seeded.seeded) log.info({ products: seed.size, created: seeded.created }, 'stock catalogue seeded');
else log.info('stock catalogue already seeded, seed left unused');

const connection = kafkaConnectionFromConfig(config);
// No linger: a batch publishes all its results at once, which share a request without waiting, and then waits for
// them before taking its next batch, so lingering only adds latency; publishes of other partitions still gather
// while a request is in flight. A request holds a whole batch's results (two events per reserved order).
const producer = createEventProducer({ connection, log, metrics, lingerMs: 0, maxBatchSize: EVENTS_PER_BATCH });
const stockMetrics = createStockMetrics(metrics.registry);
const consumerLog = log.child({ component: 'order-consumer' });
const consumer = superviseConsumer({
  log: consumerLog,
  describe: { topics: STOCK_TOPICS, groupId: ConsumerGroups.stock },
  start: (brokerCompatibility) =>
    startStockConsumer({
      connection,
      store,
      producer,
      log: consumerLog,
      metrics,
      stockMetrics,
      shutdownTimeoutMs: CONSUMER_SHUTDOWN_MS,
      brokerCompatibility,
    }),
});

const app = buildApp({
  log,
  store,
  producer,
  metrics,
  config,
  kafka: consumer.status,
});
await app
  .listen({ port: config.PORT, host: config.HOST })
  .catch((error: unknown) => exitOnStartupFailure(log, error, 'HTTP server could not listen'));

exitOnShutdownSignals({
  log,
  steps: [
    { name: 'http', run: () => app.close() },
    { name: 'consumer', run: () => consumer.stop() },
    { name: 'producer', run: () => producer.close() },
    { name: 'store', run: () => platformStore.close() },
    { name: 'telemetry', run: () => telemetry.shutdown() },
  ],
});
