// Benchmark, not a test: how fast analytics-service counts a backlog of order-created events with the Redis store,
// next to a no-op consumer built on the same client (the platform consumer runner) draining the same backlog in the
// same run.
//
//   node bench/analytics-consume.ts            (REDIS_URL defaults to redis://127.0.0.1:6379)
//   BENCH_EVENTS=100000 BENCH_PARTITIONS=3 node bench/analytics-consume.ts
//
// Both consumers read the same pre-filled order-topic (and the empty stock-topic, as the service does) from the
// beginning, one after the other so they do not compete for CPU, each in a consumer group of its own and with the
// same runner settings. Throughput is measured from the first handler call to the last. The analytics handlers
// (batches per partition, as the service runs them) count into a Redis store under a throw-away key prefix; the Redis
// commands they cause are read from INFO commandstats before and after (commands of other Redis clients during the run
// are counted too: point REDIS_URL at a Redis of its own for exact figures).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '@orderflow/broker';
import { ConsumerGroups, Subscriptions } from '@orderflow/contracts';
import {
  createKafkaConnection,
  type KafkaConnection,
  openStore,
  type RecordHandler,
  selectStoreBackend,
} from '@orderflow/platform';
import { Redis } from 'ioredis';
import { EVENT_BATCH_SIZE } from '@orderflow/analytics-service/analytics-consumer';
import { createAnalyticsBatchHandler, createAnalyticsHandler } from '@orderflow/analytics-service/analytics-handler';
import { analyticsStoreBackends } from '@orderflow/analytics-service/store';
import {
  type Batches,
  drain as drainBacklog,
  fillBacklog as fillTopic,
  orderCreatedEvent,
  silentLog,
} from './lib/backlog.ts';
import { commandDelta, commandStats, deleteKeys } from './lib/redis.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 3);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PRODUCTS = 50;
const DEDUPE_RETENTION_MS = 7 * 24 * 60 * 60_000;
// The backlog's events spread over the last hour, so the per-minute buckets see a realistic number of keys.
const SPREAD_MS = 60 * 60_000;

function fillBacklog(connection: KafkaConnection): Promise<void> {
  const start = Date.now() - SPREAD_MS;
  return fillTopic(connection, EVENTS, (i) => {
    const time = new Date(start + Math.floor((i / EVENTS) * SPREAD_MS));
    return orderCreatedEvent(i, { createdAt: time.toISOString(), quantity: 1 + (i % 5), products: PRODUCTS, time });
  });
}

function drain(connection: KafkaConnection, groupId: string, handler: RecordHandler, batches?: Batches) {
  return drainBacklog(connection, {
    groupId,
    topics: Subscriptions[ConsumerGroups.analytics],
    events: EVENTS,
    handler,
    ...batches,
    // Room to buffer: the no-op consumer should be limited by fetching, not by a small buffer.
    maxBufferedRecords: 10_000,
  });
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-analytics-'));
  const broker = await startBroker({ port: 0, dataDir, log: silentLog, defaultPartitions: PARTITIONS });
  const connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'bench' });
  const namespace = `bench-analytics-${randomUUID()}`;
  const admin = new Redis(REDIS_URL);
  const platformStore = await openStore({ REDIS_URL, ORDERFLOW_DATA_DIR: dataDir }, { log: silentLog, namespace });
  try {
    console.log(`filling order-topic (${PARTITIONS} partitions) with ${EVENTS} order-created events...`);
    const fillStarted = performance.now();
    await fillBacklog(connection);
    console.log(`filled in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);

    const noop = await drain(connection, 'bench-noop', async () => {});
    console.log(`no-op consumer:    ${noop.perSecond.toFixed(0)} events/s (${noop.seconds.toFixed(2)} s)`);

    const store = selectStoreBackend(platformStore, analyticsStoreBackends, { dedupeRetentionMs: DEDUPE_RETENTION_MS });
    const before = await commandStats(admin);
    // The handlers as startAnalyticsConsumer sets them up.
    const analytics = await drain(connection, ConsumerGroups.analytics, createAnalyticsHandler({ store }), {
      handleBatch: createAnalyticsBatchHandler({ store }),
      maxBatchSize: EVENT_BATCH_SIZE,
    });
    const after = await commandStats(admin);
    console.log(`analytics handler: ${analytics.perSecond.toFixed(0)} events/s (${analytics.seconds.toFixed(2)} s)`);
    console.log(`ratio:             ${(analytics.perSecond / noop.perSecond).toFixed(3)} (analytics / no-op)`);

    const totals = await store.totals();
    if (totals.orders !== EVENTS) throw new Error(`counted ${totals.orders} orders, expected ${EVENTS}`);
    const perCommand: string[] = [];
    let total = 0;
    for (const [command, calls] of commandDelta(before, after)) {
      total += calls;
      perCommand.push(`${command} ${(calls / analytics.events).toFixed(2)}`);
    }
    const roundTrips = ((after.get('evalsha') ?? 0) - (before.get('evalsha') ?? 0)) / analytics.events;
    console.log(`redis commands per event: ${(total / analytics.events).toFixed(2)} (${perCommand.join(', ')})`);
    console.log(
      `  round trips per event: ${roundTrips.toFixed(3)} (EVALSHA, one per batch); the commands the script runs inside Redis are counted too`,
    );
  } finally {
    await platformStore.close();
    await deleteKeys(admin, `orderflow:${namespace}:*`);
    admin.disconnect();
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
