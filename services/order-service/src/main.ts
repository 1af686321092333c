import { ConsumerGroups, Subscriptions } from '@orderflow/contracts';
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
import { openOrderStore } from './open-order-store.ts';
import { orderServiceConfigSpec, SERVICE_NAME } from './order-config.ts';
import { createStockEventHandler } from './stock-event-handler.ts';

const SHUTDOWN_DEADLINE_MS = 9500;
// Leaves the rest of the shutdown deadline for closing the producer and the store.
const CONSUMER_SHUTDOWN_MS = 7000;

let config: ReturnType<typeof loadConfig<typeof orderServiceConfigSpec>>;
try {
  config = loadConfig(orderServiceConfigSpec, process.env);
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
const settings = {
  IDEMPOTENCY_TTL: config.IDEMPOTENCY_TTL,
  KAFKA_PUBLISH_TIMEOUT: config.KAFKA_PUBLISH_TIMEOUT,
};

const store = await openStore(config, { log, namespace: SERVICE_NAME }).catch((error: unknown) =>
  exitOnStartupFailure(error, 'store could not be opened'),
);
const orders = openOrderStore(store, {
  availabilityTtlMs: config.AVAILABILITY_TTL,
  orderRetentionMs: config.ORDER_RETENTION,
});
const connection = kafkaConnectionFromConfig(config);
const producer = createEventProducer({
  connection,
  log: log.child({ component: 'order-producer' }),
  metrics,
  publishTimeoutMs: config.KAFKA_PUBLISH_TIMEOUT,
  lingerMs: config.KAFKA_LINGER,
});

const stopping = new AbortController();
// HTTP serves (and reports not-ready) while the consumer joins, so a broker that comes up after us is waited for
// instead of crashing the service.
const consumerLog = log.child({ component: 'stock-consumer' });
const consumer = superviseConsumer({
  log: consumerLog,
  describe: { topics: Subscriptions[ConsumerGroups.order] },
  start: (brokerCompatibility) =>
    startConsumer({
      connection,
      groupId: ConsumerGroups.order,
      topics: Subscriptions[ConsumerGroups.order],
      handler: createStockEventHandler(orders),
      log: consumerLog,
      metrics,
      shutdownTimeoutMs: CONSUMER_SHUTDOWN_MS,
      brokerCompatibility,
    }),
});

const app = buildApp({
  log,
  store: orders,
  producer,
  stockConsumer: { isAssigned: () => consumer.status.consumerAssigned(), problem: () => consumer.status.problem?.() },
  metrics,
  settings,
});
await app
  .listen({ port: config.PORT, host: config.HOST })
  .catch((error: unknown) => exitOnStartupFailure(error, 'HTTP server could not listen'));

async function shutdown(signal: string): Promise<void> {
  if (stopping.signal.aborted) return;
  stopping.abort();
  log.info({ signal }, 'shutting down');
  setTimeout(() => {
    log.error({ timeoutMs: SHUTDOWN_DEADLINE_MS }, 'shutdown deadline passed, exiting');
    log.flush();
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS).unref();
  // HTTP first, so no new order starts; requests in flight finish (their publishes included) before close resolves.
  // The consumer stops alongside: in-flight events finish, offsets are committed and the group is left.
  const results = await Promise.allSettled([app.close(), consumer.stop()]);
  const closing = await Promise.allSettled([producer.close()]);
  const closed = await Promise.allSettled([store.close(), telemetry.shutdown()]);
  const failures = [...results, ...closing, ...closed].filter((result) => result.status === 'rejected');
  for (const failure of failures) log.error({ err: failure.reason }, 'shutdown step failed');
  log.info('stopped');
  log.flush(() => process.exit(failures.length === 0 ? 0 : 1));
}

process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
log.info({ port: config.PORT, backend: store.backend.kind }, 'order-service started');

async function exitOnStartupFailure(error: unknown, message: string): Promise<never> {
  log.fatal({ err: error }, message);
  await new Promise<void>((resolve) => log.flush(() => resolve()));
  process.exit(1);
}
