import {
  ConfigError,
  createLogger,
  createMetrics,
  exitOnUncaughtError,
  kafkaConnectionFromConfig,
  loadConfig,
  openStore,
  startTelemetry,
  superviseConsumer,
} from '@orderflow/platform';
import { type AnalyticsConfig, analyticsConfigSpec, SERVICE_NAME } from './analytics-config.ts';
import { ANALYTICS_TOPICS, startAnalyticsConsumer } from './analytics-consumer.ts';
import { createAnalyticsMetrics } from './analytics-metrics.ts';
import { buildApp } from './app.ts';
import { openAnalyticsStore } from './open-analytics-store.ts';

const SHUTDOWN_TIMEOUT_MS = 10_000;
// The consumer gets most of the shutdown budget; HTTP and the store need little.
const CONSUMER_SHUTDOWN_MS = 7000;
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
exitOnUncaughtError(log, SERVICE_NAME);
const telemetry = await startTelemetry(config, { serviceName: SERVICE_NAME, log }).catch((error: unknown) =>
  exitOnStartupFailure(error, 'telemetry could not start'),
);
const metrics = createMetrics({ service: SERVICE_NAME });
const platformStore = await openStore(config, { log, namespace: SERVICE_NAME }).catch((error: unknown) =>
  exitOnStartupFailure(error, 'store could not be opened'),
);
const store = openAnalyticsStore(platformStore, config.ANALYTICS_DEDUPE_RETENTION);
const connection = kafkaConnectionFromConfig(config);
const analyticsMetrics = createAnalyticsMetrics(metrics.registry);
const consumerLog = log.child({ component: 'event-consumer' });
const consumer = superviseConsumer({
  log: consumerLog,
  describe: { topics: ANALYTICS_TOPICS },
  start: (brokerCompatibility) =>
    startAnalyticsConsumer({
      connection,
      store,
      log: consumerLog,
      metrics,
      analyticsMetrics,
      lagIntervalMs: LAG_INTERVAL_MS,
      shutdownTimeoutMs: CONSUMER_SHUTDOWN_MS,
      brokerCompatibility,
    }),
});

const app = buildApp({
  log,
  store,
  metrics,
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
