import {
  configOrExit,
  createLogger,
  createMetrics,
  exitOnShutdownSignals,
  exitOnStartupFailure,
  exitOnUncaughtError,
  kafkaConnectionFromConfig,
  loadConfig,
  openStore,
  selectStoreBackend,
  rewindGroupToEarliest,
  startTelemetry,
  superviseConsumer,
} from '@orderflow/platform';
import { analyticsConfigSpec, SERVICE_NAME } from './analytics-config.ts';
import { ANALYTICS_TOPICS, startAnalyticsConsumer } from './analytics-consumer.ts';
import { createAnalyticsMetrics } from './analytics-metrics.ts';
import { createAnalyticsRebuild } from './analytics-rebuild.ts';
import { analyticsStoreBackends } from './analytics-store-backends.ts';
import { buildApp } from './app.ts';

// The consumer gets most of the shutdown deadline; HTTP and the store need little.
const CONSUMER_SHUTDOWN_MS = 7000;
// How fresh the lag GET /stats reports is.
const LAG_INTERVAL_MS = 5000;

const config = configOrExit(SERVICE_NAME, () => loadConfig(analyticsConfigSpec, process.env));
const log = createLogger({ name: SERVICE_NAME, level: config.LOG_LEVEL });
exitOnUncaughtError(log, SERVICE_NAME);
const telemetry = await startTelemetry(config, { serviceName: SERVICE_NAME, log }).catch((error: unknown) =>
  exitOnStartupFailure(log, error, 'telemetry could not start'),
);
const metrics = createMetrics({ service: SERVICE_NAME });
const platformStore = await openStore(config, { log, namespace: SERVICE_NAME }).catch((error: unknown) =>
  exitOnStartupFailure(log, error, 'store could not be opened'),
);
const store = selectStoreBackend(platformStore, analyticsStoreBackends, {
  dedupeRetentionMs: config.ANALYTICS_DEDUPE_RETENTION,
});
const connection = kafkaConnectionFromConfig(config);
// Created once: a rebuild starts a consumer again, and a metric can be registered only once.
const analyticsMetrics = createAnalyticsMetrics(metrics.registry);
const consumerLog = log.child({ component: 'event-consumer' });
const superviseAnalyticsConsumer = () =>
  superviseConsumer({
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
// Replaced by a rebuild, which stops this one and supervises a new one from the rewound offsets.
let consumer = superviseAnalyticsConsumer();

const app = buildApp({
  log,
  store,
  metrics,
  kafka: {
    ping: () => consumer.status.ping(),
    consumerAssigned: () => consumer.status.consumerAssigned(),
    problem: () => consumer.status.problem?.(),
  },
  rebuild: {
    adminToken: config.ADMIN_TOKEN,
    run: createAnalyticsRebuild({
      log,
      store,
      stopConsumer: () => consumer.stop(),
      async startConsumer() {
        consumer = superviseAnalyticsConsumer();
        await consumer.started;
      },
      rewindGroup: (groupId, topics) => rewindGroupToEarliest(connection, groupId, topics),
    }),
  },
});
await app
  .listen({ port: config.PORT, host: config.HOST })
  .catch((error: unknown) => exitOnStartupFailure(log, error, 'HTTP server could not listen'));

exitOnShutdownSignals({
  log,
  steps: [
    { name: 'http', run: () => app.close() },
    { name: 'consumer', run: () => consumer.stop() },
    { name: 'store', run: () => platformStore.close() },
    { name: 'telemetry', run: () => telemetry.shutdown() },
  ],
});
