import { ConsumerGroups, EventPoisonCodes, Subscriptions } from '@orderflow/contracts';
import {
  ConfigError,
  createEventProducer,
  createLogger,
  createMetrics,
  exitOnUncaughtError,
  kafkaConnectionFromConfig,
  loadConfig,
  openStore,
  startConsumer,
  startTelemetry,
  superviseConsumer,
} from '@orderflow/platform';
import { buildApp } from './app.ts';
import { openStockStore } from './open-stock-store.ts';
import {
  createReservationBatchHandler,
  createReservationHandler,
  EVENTS_PER_BATCH,
  ORDER_BATCH_SIZE,
} from './reservation-handler.ts';
import { SERVICE_NAME, type StockConfig, stockConfigSpec } from './stock-config.ts';
import { createStockMetrics } from './stock-metrics.ts';
import { resolveSeed } from './stock-seed.ts';

const SHUTDOWN_TIMEOUT_MS = 10_000;
// The consumer gets most of the shutdown budget; HTTP, the producer and the store need little.
const CONSUMER_SHUTDOWN_MS = 7000;

let config: StockConfig;
let seed: Map<string, number>;
try {
  config = loadConfig(stockConfigSpec, process.env);
  seed = resolveSeed(config);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${SERVICE_NAME}: ${error.message}\n`);
  process.exit(1);
}

const log = createLogger({ name: SERVICE_NAME, level: config.LOG_LEVEL });
exitOnUncaughtError(log, SERVICE_NAME);
const telemetry = await startTelemetry(config, { serviceName: SERVICE_NAME, log }).catch((error: unknown) =>
  exitOnStartupFailure(error, 'telemetry could not start'),
);
const metrics = createMetrics({ service: SERVICE_NAME });
const platformStore = await openStore(config, { log, namespace: SERVICE_NAME }).catch((error: unknown) =>
  exitOnStartupFailure(error, 'store could not be opened'),
);
const store = openStockStore(platformStore, config.STOCK_RESERVATION_RETENTION);
const seeded = await store.seed(seed).catch((error: unknown) => exitOnStartupFailure(error, 'seeding failed'));
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
  describe: { topics: Subscriptions[ConsumerGroups.stock], groupId: ConsumerGroups.stock },
  start: (brokerCompatibility) =>
    startConsumer({
      connection,
      groupId: ConsumerGroups.stock,
      topics: Subscriptions[ConsumerGroups.stock],
      handler: createReservationHandler({ store, producer, metrics: stockMetrics }),
      handleBatch: createReservationBatchHandler({ store, producer, metrics: stockMetrics }),
      maxBatchSize: ORDER_BATCH_SIZE,
      log: consumerLog,
      metrics,
      poisonCodes: Object.values(EventPoisonCodes),
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
  .catch((error: unknown) => exitOnStartupFailure(error, 'HTTP server could not listen'));

process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

async function shutdown(signal: string): Promise<void> {
  log.info({ signal }, 'shutting down');
  const forced = setTimeout(() => {
    log.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out, exiting');
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS);
  forced.unref();
  let code = 0;
  const step = async (name: string, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      code = 1;
      log.error({ err: error, step: name }, 'shutdown step failed');
    }
  };
  await step('http', () => app.close());
  await step('consumer', () => consumer.stop());
  await step('producer', () => producer.close());
  await step('store', () => platformStore.close());
  await step('telemetry', () => telemetry.shutdown());
  log.info({ code }, 'stopped');
  log.flush(() => process.exit(code));
}

async function exitOnStartupFailure(error: unknown, message: string): Promise<never> {
  log.fatal({ err: error }, message);
  await new Promise<void>((resolve) => log.flush(() => resolve()));
  process.exit(1);
}
