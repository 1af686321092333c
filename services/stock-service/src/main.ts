import { setTimeout as delay } from 'node:timers/promises';
import { ConsumerGroups, EventPoisonCodes, Subscriptions } from '@orderflow/contracts';
import {
  ConfigError,
  type ConsumerRunner,
  createEventProducer,
  createLogger,
  createMetrics,
  kafkaConnectionFromConfig,
  loadConfig,
  openStore,
  retryDelayMs,
  startConsumer,
  startTelemetry,
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
const CONSUMER_START_RETRY = { maxAttempts: Number.MAX_SAFE_INTEGER, initialDelayMs: 500, maxDelayMs: 10_000 };

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
let consumer: ConsumerRunner | undefined;
let stopping = false;

const app = buildApp({
  log,
  store,
  producer,
  metrics,
  config,
  kafka: {
    async ping() {
      if (consumer === undefined) throw new Error('the consumer has not joined its group yet');
      // Reading the high watermarks is a request to the partition leaders: it fails when the cluster is away.
      await consumer.refreshLag();
    },
    consumerAssigned: () => consumer?.isAssigned() ?? false,
  },
});
await app
  .listen({ port: config.PORT, host: config.HOST })
  .catch((error: unknown) => exitOnStartupFailure(error, 'HTTP server could not listen'));

process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

consumer = await startConsumerUntilStopped();

/** Kafka may come up after us (compose, a laptop): keep trying while HTTP reports not ready. */
async function startConsumerUntilStopped(): Promise<ConsumerRunner | undefined> {
  const deps = { store, producer, metrics: createStockMetrics(metrics.registry) };
  const handler = createReservationHandler(deps);
  const handleBatch = createReservationBatchHandler(deps);
  for (let attempt = 1; !stopping; attempt++) {
    try {
      const runner = await startConsumer({
        connection,
        groupId: ConsumerGroups.stock,
        topics: Subscriptions[ConsumerGroups.stock],
        handler,
        handleBatch,
        maxBatchSize: ORDER_BATCH_SIZE,
        log: log.child({ component: 'order-consumer' }),
        metrics,
        poisonCodes: Object.values(EventPoisonCodes),
        shutdownTimeoutMs: CONSUMER_SHUTDOWN_MS,
      });
      if (stopping) await runner.stop();
      else log.info({ topics: Subscriptions[ConsumerGroups.stock], groupId: ConsumerGroups.stock }, 'consuming orders');
      return stopping ? undefined : runner;
    } catch (error) {
      const retryInMs = retryDelayMs(attempt, CONSUMER_START_RETRY);
      log.error({ err: error, attempt, retryInMs }, 'order consumer could not start, will retry');
      await delay(retryInMs);
    }
  }
  return undefined;
}

async function shutdown(signal: string): Promise<void> {
  stopping = true;
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
  await step('consumer', async () => consumer?.stop());
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
