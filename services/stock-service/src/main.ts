import { ConsumerGroups } from '@orderflow/contracts';
import { configOrExit, exitOnStartupFailure, loadConfig, selectStoreBackend, startService } from '@orderflow/platform';
import { buildApp } from './app.ts';
import { EVENTS_PER_BATCH } from './reservation-handler.ts';
import { SERVICE_NAME, stockConfigSpec } from './stock-config.ts';
import { STOCK_TOPICS, startStockConsumer } from './stock-consumer.ts';
import { createStockMetrics } from './stock-metrics.ts';
import { stockStoreBackends } from './stock-store-backends.ts';
import { resolveSeed } from './stock-seed.ts';

const { config, seed } = configOrExit(SERVICE_NAME, () => {
  const config = loadConfig(stockConfigSpec, process.env);
  return { config, seed: resolveSeed(config) };
});
const service = await startService({ name: SERVICE_NAME, config });
const { log, metrics } = service;
const store = selectStoreBackend(service.store, stockStoreBackends, {
  reservationRetentionMs: config.STOCK_RESERVATION_RETENTION,
});
const seeded = await store.seed(seed).catch((error: unknown) => exitOnStartupFailure(log, error, 'seeding failed'));
if (seeded.seeded) log.info({ products: seed.size, created: seeded.created }, 'stock catalogue seeded');
else log.info('stock catalogue already seeded, seed left unused');

// No linger: a batch publishes all its results at once, which share a request without waiting, and then waits for
// them before taking its next batch, so lingering only adds latency; publishes of other partitions still gather
// while a request is in flight. A request holds a whole batch's results (two events per reserved order).
const producer = service.createProducer({ lingerMs: 0, maxBatchSize: EVENTS_PER_BATCH });
const stockMetrics = createStockMetrics(metrics.registry);
service.superviseConsumer({
  component: 'order-consumer',
  describe: { topics: STOCK_TOPICS, groupId: ConsumerGroups.stock },
  start: (context) => startStockConsumer({ ...context, store, producer, stockMetrics }),
});

const app = buildApp({ log, store, producer, metrics, config, kafka: service.kafka });
await service.serve(app, { shutdownOrder: ['http', 'consumer', 'producer', 'store', 'telemetry'] });
