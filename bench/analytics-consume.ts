// Benchmark, not a test: how fast analytics-service counts a backlog of order-created events with the Redis store,
// next to a no-op consumer built on the same client (the platform consumer runner) draining the same backlog in the
// same run.
//
//   node bench/analytics-consume.ts            (REDIS_URL defaults to redis://127.0.0.1:6379)
//   BENCH_EVENTS=100000 BENCH_PARTITIONS=3 node bench/analytics-consume.ts
//
// Both consumers read the same pre-filled order-topic (and the empty stock-topic, as the service does) from the
// beginning, one after the other so they do not compete for CPU, each in a consumer group of its own and with the
// same runner settings. Throughput is measured from the first record handled to the last. The analytics handler
// counts into a Redis store under a throw-away key prefix; the Redis commands it causes are read from INFO
// commandstats before and after (commands of other Redis clients during the run are counted too: point REDIS_URL at
// a Redis of its own for exact figures).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '@orderflow/broker';
import { ConsumerGroups, createEvent, EventTypes, encodeEvent, Subscriptions, Topics } from '@orderflow/contracts';
import {
  createEventProducer,
  createKafkaConnection,
  createLogger,
  type KafkaConnection,
  openStore,
  type RecordHandler,
  startConsumer,
} from '@orderflow/platform';
import { Redis } from 'ioredis';
import { createAnalyticsHandler } from '../services/analytics-service/src/analytics-handler.ts';
import { openAnalyticsStore } from '../services/analytics-service/src/open-analytics-store.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 3);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PRODUCTS = 50;
const FILL_CHUNK = 5000;
const DEDUPE_RETENTION_MS = 7 * 24 * 60 * 60_000;
// The backlog's events spread over the last hour, so the per-minute buckets see a realistic number of keys.
const SPREAD_MS = 60 * 60_000;

const log = createLogger({ name: 'bench', level: 'silent' });

interface Drain {
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
}

async function fillBacklog(connection: KafkaConnection): Promise<void> {
  const producer = createEventProducer({ connection, log, maxBatchSize: 1000 });
  const start = Date.now() - SPREAD_MS;
  for (let first = 0; first < EVENTS; first += FILL_CHUNK) {
    const publishes: Promise<unknown>[] = [];
    for (let i = first; i < Math.min(first + FILL_CHUNK, EVENTS); i++) {
      const orderId = `bench-${i}`;
      const productId = `A${String((i % PRODUCTS) + 1).padStart(3, '0')}`;
      const time = new Date(start + Math.floor((i / EVENTS) * SPREAD_MS));
      const event = createEvent(
        EventTypes.orderCreated,
        { orderId, productId, quantity: 1 + (i % 5), createdAt: time.toISOString() },
        { source: '/orderflow/bench', time },
      );
      publishes.push(producer.publish(Topics.orders, { key: orderId, value: encodeEvent(event) }));
    }
    await Promise.all(publishes);
  }
  await producer.close();
}

/** Runs `handler` over the whole backlog in a fresh group; resolves when every record was handled. */
async function drain(connection: KafkaConnection, groupId: string, handler: RecordHandler): Promise<Drain> {
  let handled = 0;
  let firstAt = 0;
  let lastAt = 0;
  const { promise: finished, resolve: done } = Promise.withResolvers<void>();
  const runner = await startConsumer({
    connection,
    groupId,
    topics: Subscriptions[ConsumerGroups.analytics],
    log,
    // Room to buffer: the no-op consumer should be limited by fetching, not by a small buffer.
    maxBufferedRecords: 10_000,
    handler: async (record, context) => {
      await handler(record, context);
      const now = performance.now();
      if (handled === 0) firstAt = now;
      lastAt = now;
      handled += 1;
      if (handled === EVENTS) done();
    },
  });
  await finished;
  await runner.stop();
  const seconds = (lastAt - firstAt) / 1000;
  return { events: handled, seconds, perSecond: (handled - 1) / seconds };
}

async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const stats = new Map<string, number>();
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match) stats.set(match[1]!, Number(match[2]));
  }
  return stats;
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-analytics-'));
  const broker = await startBroker({ port: 0, dataDir, log, defaultPartitions: PARTITIONS });
  const connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'bench' });
  const namespace = `bench-analytics-${randomUUID()}`;
  const admin = new Redis(REDIS_URL);
  const platformStore = await openStore({ REDIS_URL, ORDERFLOW_DATA_DIR: dataDir }, { log, namespace });
  try {
    console.log(`filling order-topic (${PARTITIONS} partitions) with ${EVENTS} order-created events...`);
    const fillStarted = performance.now();
    await fillBacklog(connection);
    console.log(`filled in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);

    const noop = await drain(connection, 'bench-noop', async () => {});
    console.log(`no-op consumer:    ${noop.perSecond.toFixed(0)} events/s (${noop.seconds.toFixed(2)} s)`);

    const store = openAnalyticsStore(platformStore, DEDUPE_RETENTION_MS);
    const before = await commandStats(admin);
    const analytics = await drain(connection, ConsumerGroups.analytics, createAnalyticsHandler({ store }));
    const after = await commandStats(admin);
    console.log(`analytics handler: ${analytics.perSecond.toFixed(0)} events/s (${analytics.seconds.toFixed(2)} s)`);
    console.log(`ratio:             ${(analytics.perSecond / noop.perSecond).toFixed(3)} (analytics / no-op)`);

    const totals = await store.totals();
    if (totals.orders !== EVENTS) throw new Error(`counted ${totals.orders} orders, expected ${EVENTS}`);
    const perCommand: string[] = [];
    let total = 0;
    for (const [command, calls] of after) {
      // The two INFO calls are the benchmark's own.
      const delta = calls - (before.get(command) ?? 0) - (command === 'info' ? 1 : 0);
      if (delta <= 0) continue;
      total += delta;
      perCommand.push(`${command} ${(delta / analytics.events).toFixed(2)}`);
    }
    const roundTrips = ((after.get('evalsha') ?? 0) - (before.get('evalsha') ?? 0)) / analytics.events;
    console.log(`redis commands per event: ${(total / analytics.events).toFixed(2)} (${perCommand.join(', ')})`);
    console.log(
      `  round trips per event: ${roundTrips.toFixed(2)} (EVALSHA); the commands the script runs inside Redis are counted too`,
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
