import { ConsumerGroups, Subscriptions } from '@orderflow/contracts';
import { configOrExit, loadConfig, selectStoreBackend, startService } from '@orderflow/platform';
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

const GROUP_ID = ConsumerGroups.notification;

const { config, channelNames } = configOrExit(SERVICE_NAME, () => {
  const config = loadConfig(notificationConfigSpec, process.env);
  return { config, channelNames: resolveChannels(config) };
});

// Written synchronously, unlike the other services' logs: the log channel's delivery is its line (log-channel.ts), and
// a notification is recorded SENT once deliver() returns. With the platform's asynchronous destination the line could
// still be in the process's buffer then, and a crash (SIGKILL, OOM) would lose a notification already marked SENT.
const logDestination = pino.destination({ dest: 1, sync: true });
const service = await startService({ name: SERVICE_NAME, config, logDestination });
const { log, metrics } = service;
const notificationMetrics = createNotificationMetrics(metrics.registry);
const store = selectStoreBackend(service.store, notificationStoreBackends, { retentionMs: config.NOTIFY_RETENTION });
const channels = channelNames.map((name) => createChannel(name, config));
// An in-flight webhook call may need most of the consumer's share of the shutdown deadline.
service.superviseConsumer({
  component: 'event-consumer',
  describe: { topics: Subscriptions[GROUP_ID], groupId: GROUP_ID },
  start: (context) =>
    startNotificationConsumer({
      ...context,
      store,
      channels,
      backoff: { initialDelayMs: config.NOTIFY_WEBHOOK_BACKOFF, maxDelayMs: MAX_WEBHOOK_BACKOFF_MS },
      notificationMetrics,
    }),
});

const app = buildApp({ log, store, metrics, kafka: service.kafka });
// HTTP and the consumer stop together: in-flight deliveries finish and are committed, then the group is left.
const address = await service.serve(app, { shutdownOrder: [['http', 'consumer'], 'store', 'telemetry'] });
log.info({ address, backend: service.store.backend.kind, channels: channelNames }, 'notification-service started');
