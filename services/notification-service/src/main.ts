import { ConsumerGroups, Subscriptions } from '@orderflow/contracts';
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
  startTelemetry,
  superviseConsumer,
} from '@orderflow/platform';
import { pino } from 'pino';
import { buildApp } from './app.ts';
import { createChannel } from './create-channel.ts';
import {
  MAX_WEBHOOK_BACKOFF_MS,
  notificationConfigSpec,
  resolveChannels,
  SERVICE_NAME,
} from './notification-config.ts';
import { startNotificationConsumer } from './notification-consumer.ts';
import { createNotificationMetrics } from './notification-metrics.ts';
import { notificationStoreBackends } from './notification-store-backends.ts';

// The consumer gets most of the shutdown deadline (an in-flight webhook call may need it); HTTP and the store little.
const CONSUMER_SHUTDOWN_MS = 7000;
const GROUP_ID = ConsumerGroups.notification;

const { config, channelNames } = configOrExit(SERVICE_NAME, () => {
  const config = loadConfig(notificationConfigSpec, process.env);
  return { config, channelNames: resolveChannels(config) };
});

// Written synchronously, unlike the other services' logs: the log channel's delivery is its line (log-channel.ts), and
// a notification is recorded SENT once deliver() returns. With the platform's asynchronous destination the line could
// still be in the process's buffer then, and a crash (SIGKILL, OOM) would lose a notification already marked SENT.
const log = createLogger({
  name: SERVICE_NAME,
  level: config.LOG_LEVEL,
  destination: pino.destination({ dest: 1, sync: true }),
});
exitOnUncaughtError(log, SERVICE_NAME);
const telemetry = await startTelemetry(config, { serviceName: SERVICE_NAME, log }).catch((error: unknown) =>
  exitOnStartupFailure(log, error, 'telemetry could not start'),
);
const metrics = createMetrics({ service: SERVICE_NAME });
const notificationMetrics = createNotificationMetrics(metrics.registry);
const platformStore = await openStore(config, { log, namespace: SERVICE_NAME }).catch((error: unknown) =>
  exitOnStartupFailure(log, error, 'store could not be opened'),
);
const store = selectStoreBackend(platformStore, notificationStoreBackends, { retentionMs: config.NOTIFY_RETENTION });
const channels = channelNames.map((name) => createChannel(name, config));
const connection = kafkaConnectionFromConfig(config);
const consumerLog = log.child({ component: 'event-consumer' });
const consumer = superviseConsumer({
  log: consumerLog,
  describe: { topics: Subscriptions[GROUP_ID], groupId: GROUP_ID },
  start: (brokerCompatibility) =>
    startNotificationConsumer({
      connection,
      store,
      channels,
      backoff: { initialDelayMs: config.NOTIFY_WEBHOOK_BACKOFF, maxDelayMs: MAX_WEBHOOK_BACKOFF_MS },
      log: consumerLog,
      metrics,
      notificationMetrics,
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
const address = await app
  .listen({ port: config.PORT, host: config.HOST })
  .catch((error: unknown) => exitOnStartupFailure(log, error, 'HTTP server could not listen'));

// HTTP and the consumer stop together: in-flight deliveries finish and are committed, then the group is left.
exitOnShutdownSignals({
  log,
  steps: [
    [
      { name: 'http', run: () => app.close() },
      { name: 'consumer', run: () => consumer.stop() },
    ],
    { name: 'store', run: () => platformStore.close() },
    { name: 'telemetry', run: () => telemetry.shutdown() },
  ],
});
log.info({ address, backend: platformStore.backend.kind, channels: channelNames }, 'notification-service started');
