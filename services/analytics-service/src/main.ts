import { setTimeout as delay } from 'node:timers/promises';
import {
  ConfigError,
  type ConsumerRunner,
  createLogger,
  createMetrics,
  kafkaConnectionFromConfig,
  loadConfig,
  openStore,
  retryDelayMs,
  startTelemetry,
} from '@orderflow/platform';
import { type AnalyticsConfig, analyticsConfigSpec, SERVICE_NAME } from './analytics-config.ts';
import { ANALYTICS_TOPICS, startAnalyticsConsumer } from './analytics-consumer.ts';
import { createAnalyticsMetrics } from './analytics-metrics.ts';
import { buildApp } from './app.ts';
import { openAnalyticsStore } from './open-analytics-store.ts';

const SHUTDOWN_TIMEOUT_MS = 10_000;
// The consumer gets most of the shutdown budget; HTTP and the store need little.
const CONSUMER_SHUTDOWN_MS = 7000;
const CONSUMER_START_RETRY = { maxAttempts: Number.MAX_SAFE_INTEGER, initialDelayMs: 500, maxDelayMs: 10_000 };
// How fresh the lag GET /stats reports is.
const LAG_INTERVAL_MS = 5000;

let config: AnalyticsConfig;
try {
  config = loadConfig(analyticsConfigSpec, process.env);
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
const store = openAnalyticsStore(platformStore, config.ANALYTICS_DEDUPE_RETENTION);
const connection = kafkaConnectionFromConfig(config);
let consumer: ConsumerRunner | undefined;
let stopping = false;

const app = buildApp({
  log,
  store,
  metrics,
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
  const analyticsMetrics = createAnalyticsMetrics(metrics.registry);
  for (let attempt = 1; !stopping; attempt++) {
    try {
      const runner = await startAnalyticsConsumer({
        connection,
        store,
        log: log.child({ component: 'event-consumer' }),
        metrics,
        analyticsMetrics,
        lagIntervalMs: LAG_INTERVAL_MS,
        shutdownTimeoutMs: CONSUMER_SHUTDOWN_MS,
      });
      if (stopping) await runner.stop();
      else log.info({ topics: ANALYTICS_TOPICS }, 'consuming events');
      return stopping ? undefined : runner;
    } catch (error) {
      const retryInMs = retryDelayMs(attempt, CONSUMER_START_RETRY);
      log.error({ err: error, attempt, retryInMs }, 'event consumer could not start, will retry');
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
