import { ConsumerGroups, Subscriptions } from '@orderflow/contracts';
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
import { pino } from 'pino';
import { buildApp } from './app.ts';
import { createLogChannel } from './log-channel.ts';
import type { ChannelName } from './notification.ts';
import type { NotificationChannel } from './notification-channel.ts';
import {
  MAX_WEBHOOK_BACKOFF_MS,
  type NotificationConfig,
  notificationConfigSpec,
  resolveChannels,
  SERVICE_NAME,
} from './notification-config.ts';
import { startNotificationConsumer } from './notification-consumer.ts';
import { createNotificationMetrics } from './notification-metrics.ts';
import { openNotificationStore } from './open-notification-store.ts';
import { createWebhookChannel } from './webhook-channel.ts';

const SHUTDOWN_TIMEOUT_MS = 10_000;
// The consumer gets most of the shutdown budget (an in-flight webhook call may need it); HTTP and the store need little.
const CONSUMER_SHUTDOWN_MS = 7000;
const GROUP_ID = ConsumerGroups.notification;

let config: NotificationConfig;
let channelNames: readonly ChannelName[];
try {
  config = loadConfig(notificationConfigSpec, process.env);
  channelNames = resolveChannels(config);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${SERVICE_NAME}: ${error.message}\n`);
  process.exit(1);
}

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
  exitOnStartupFailure(error, 'telemetry could not start'),
);
const metrics = createMetrics({ service: SERVICE_NAME });
const notificationMetrics = createNotificationMetrics(metrics.registry);
const platformStore = await openStore(config, { log, namespace: SERVICE_NAME }).catch((error: unknown) =>
  exitOnStartupFailure(error, 'store could not be opened'),
);
const store = openNotificationStore(platformStore, config.NOTIFY_RETENTION);
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
  .catch((error: unknown) => exitOnStartupFailure(error, 'HTTP server could not listen'));

process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
log.info({ address, backend: platformStore.backend.kind, channels: channelNames }, 'notification-service started');

async function shutdown(signal: string): Promise<void> {
  log.info({ signal }, 'shutting down');
  const forced = setTimeout(() => {
    log.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out, exiting');
    log.flush();
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
  // HTTP and the consumer stop together: in-flight deliveries finish and are committed, then the group is left.
  await Promise.all([step('http', () => app.close()), step('consumer', () => consumer.stop())]);
  await step('store', () => platformStore.close());
  await step('telemetry', () => telemetry.shutdown());
  log.info({ code }, 'stopped');
  log.flush(() => process.exit(code));
}

function createChannel(name: ChannelName, settings: NotificationConfig): NotificationChannel {
  switch (name) {
    case 'log':
      return createLogChannel();
    case 'webhook':
      return createWebhookChannel({
        // resolveChannels added webhook only with a URL, and the config requires the secret along with it.
        url: settings.NOTIFY_WEBHOOK_URL!,
        secret: settings.NOTIFY_WEBHOOK_SECRET!,
        timeoutMs: settings.NOTIFY_WEBHOOK_TIMEOUT,
        maxAttempts: settings.NOTIFY_WEBHOOK_ATTEMPTS,
      });
  }
}

async function exitOnStartupFailure(error: unknown, message: string): Promise<never> {
  log.fatal({ err: error }, message);
  await new Promise<void>((resolve) => log.flush(() => resolve()));
  process.exit(1);
}
