import { configOrExit, loadConfig, rewindGroupToEarliest, selectStoreBackend, startService } from '@orderflow/platform';
import { analyticsConfigSpec, SERVICE_NAME } from './analytics-config.ts';
import { ANALYTICS_TOPICS, startAnalyticsConsumer } from './analytics-consumer.ts';
import { createAnalyticsMetrics } from './analytics-metrics.ts';
import { createAnalyticsRebuild } from './analytics-rebuild.ts';
import { analyticsStoreBackends } from './analytics-store-backends.ts';
import { buildApp } from './app.ts';

// How fresh the lag GET /stats reports is.
const LAG_INTERVAL_MS = 5000;

const config = configOrExit(SERVICE_NAME, () => loadConfig(analyticsConfigSpec, process.env));
const service = await startService({ name: SERVICE_NAME, config });
const { log, metrics, connection } = service;
const store = selectStoreBackend(service.store, analyticsStoreBackends, {
  dedupeRetentionMs: config.ANALYTICS_DEDUPE_RETENTION,
});
// Created once: a rebuild starts a consumer again, and a metric can be registered only once.
const analyticsMetrics = createAnalyticsMetrics(metrics.registry);
const superviseAnalyticsConsumer = () =>
  service.superviseConsumer({
    component: 'event-consumer',
    describe: { topics: ANALYTICS_TOPICS },
    start: (context) => startAnalyticsConsumer({ ...context, store, analyticsMetrics, lagIntervalMs: LAG_INTERVAL_MS }),
  });
// Replaced by a rebuild, which stops this one and supervises a new one from the rewound offsets; service.kafka and
// the shutdown follow the new one.
let consumer = superviseAnalyticsConsumer();

const rebuild = createAnalyticsRebuild({
  log,
  store,
  stopConsumer: () => consumer.stop(),
  async startConsumer() {
    consumer = superviseAnalyticsConsumer();
    await consumer.started;
  },
  rewindGroup: (groupId, topics) => rewindGroupToEarliest(connection, groupId, topics),
});
const app = buildApp({
  log,
  store,
  metrics,
  kafka: service.kafka,
  rebuild: { run: rebuild, adminToken: config.ADMIN_TOKEN },
});
await service.serve(app, { shutdownOrder: ['http', 'consumer', 'store', 'telemetry'] });
