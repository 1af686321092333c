// Benchmark, not a test: each consumer (stock, notification, analytics) draining a 100,000-order backlog, beside a
// no-op consumer on the same backlog, in alternating slices; reported as handler ÷ no-op events/s per slice.
//
//   npm run bench -- consume
//   BENCH_EVENTS=100000 BENCH_SLICES=5 BENCH_STORE=redis BENCH_FSYNC=batch npm run bench -- consume
//   BENCH_PROFILE=stock node --cpu-prof bench/consume.ts   # only the no-op and stock slices run; nothing recorded
//
// One backlog of order-created events on order-topic (BENCH_PARTITIONS partitions, the broker's default 3) is read by
// four consumer groups on the platform's consumer runner: a no-op handler, and the three services' own handlers built
// from their source with a store as each service opens it, in batches per partition where the service runs them so
// (each with its service's maxBatchSize) (BENCH_STORE: a private non-persistent redis-server by
// default, or SQLite files). Each group works through the backlog in BENCH_SLICES slices of EVENTS / SLICES records:
// in every slice each group in turn (who goes first rotates) joins, handles its share, stops and commits, so the four
// see the same machine in the same minutes. A slice's rate runs from its first record handled to its last; the ratio
// is the handler's rate over the no-op's in the same slice. Every group reads order-topic alone (the services also
// read stock-topic; here it only fills with the stock handler's output), so all four drain the very same records.
// The broker is its own process with its default fsync policy, as `orderflow up` runs it (BENCH_FSYNC to change).
// The notification handler delivers on the log channel into a real (info-level) logger writing to /dev/null.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FsyncPolicy } from '@orderflow/broker';
import { Topics } from '@orderflow/contracts';
import {
  type BatchHandler,
  createKafkaConnection,
  createLogger,
  createMetrics,
  type EventProducer,
  type KafkaConnection,
  type Logger,
  openStore,
  type RecordHandler,
  selectStoreBackend,
  type Store,
} from '@orderflow/platform';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { EVENT_BATCH_SIZE } from '@orderflow/analytics-service/analytics-consumer';
import { createAnalyticsBatchHandler, createAnalyticsHandler } from '@orderflow/analytics-service/analytics-handler';
import { analyticsStoreBackends } from '@orderflow/analytics-service/store';
import { createLogChannel } from '@orderflow/notification-service/log-channel';
import { createNotificationDispatcher } from '@orderflow/notification-service/notification-dispatcher';
import {
  createNotificationBatchHandler,
  createNotificationHandler,
  NOTIFICATION_BATCH_SIZE,
} from '@orderflow/notification-service/notification-handler';
import { createNotificationMetrics } from '@orderflow/notification-service/notification-metrics';
import { notificationStoreBackends } from '@orderflow/notification-service/store';
import { stockStoreBackends } from '@orderflow/stock-service/store';
import { ORDER_BATCH_SIZE } from '@orderflow/stock-service/reservation-handler';
import { drain, fillBacklog, orderCreatedEvent, silentLog } from './lib/backlog.ts';
import { startBrokerProcess } from './lib/broker-process.ts';
import { ampleStock } from './lib/products.ts';
import { benchRedis, commandDelta, commandStats, deleteKeys } from './lib/redis.ts';
import { stockServiceConsumer } from './lib/stock-service-consumer.ts';
import { report, spread } from './results.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const SLICES = Number(process.env.BENCH_SLICES ?? 5);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 3);
const STORE = process.env.BENCH_STORE ?? 'redis';
const FSYNC = process.env.BENCH_FSYNC as FsyncPolicy | undefined;
const PROFILE = process.env.BENCH_PROFILE;
const GOAL = 0.5;
const DAY_MS = 24 * 60 * 60_000;

interface Consumer {
  readonly name: string;
  readonly handler: RecordHandler;
  /** The service's batch handler and the runner's maxBatchSize, where the service runs batches. */
  readonly batches?: { readonly handleBatch: BatchHandler; readonly maxBatchSize: number };
  readonly log?: Logger;
  /** Per-slice rates, events/s. */
  readonly rates: number[];
  /** Redis commands during this consumer's slices, and the events they handled. */
  readonly redis: Map<string, number>;
  handled: number;
}

async function serviceStore(redisUrl: string | undefined, dataDir: string, namespace: string): Promise<Store> {
  const directory = join(dataDir, namespace);
  mkdirSync(directory, { recursive: true });
  return openStore(
    { REDIS_URL: STORE === 'redis' ? redisUrl : undefined, ORDERFLOW_DATA_DIR: directory },
    { log: silentLog, namespace },
  );
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-consume-'));
  const redisServer = STORE === 'redis' ? await benchRedis() : undefined;
  const broker = await startBrokerProcess(dataDir, { partitions: PARTITIONS, ...(FSYNC ? { fsync: FSYNC } : {}) });
  const connection: KafkaConnection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'bench' });
  const run = randomUUID().slice(0, 8);
  const stores: Store[] = [];
  let producer: EventProducer | undefined;
  const admin = redisServer ? new Redis(redisServer.url) : undefined;
  try {
    console.log(
      `store: ${STORE}${redisServer ? ` at ${redisServer.url}${redisServer.private ? ' (private to this run)' : ' (shared)'}` : ''}; ` +
        `broker ${broker.bootstrap}, fsync ${FSYNC ?? 'default'}, ${PARTITIONS} partitions`,
    );
    // A drain stops once it has handled its share, but the batches already in flight then are finished and committed
    // too: up to one batch per partition beyond the share. The spare records keep the last slice from waiting for
    // records that an earlier slice already took.
    const spare = PARTITIONS * Math.max(ORDER_BATCH_SIZE, NOTIFICATION_BATCH_SIZE, EVENT_BATCH_SIZE);
    console.log(`filling order-topic with ${EVENTS} order-created events (+${spare} spare)...`);
    const createdAt = new Date().toISOString();
    const fillStarted = performance.now();
    await fillBacklog(connection, EVENTS + spare, (i) => orderCreatedEvent(i, { createdAt, quantity: 1 + (i % 3) }));
    console.log(`filled in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);

    const open = async (service: string) => {
      const store = await serviceStore(redisServer?.url, dataDir, `bench-${service}-${run}`);
      stores.push(store);
      return store;
    };
    const stockStore = selectStoreBackend(await open('stock'), stockStoreBackends, {
      reservationRetentionMs: 7 * DAY_MS,
    });
    await stockStore.seed(ampleStock());
    // As stock-service's main.ts sets it up: no linger, a batch's results in one produce request, each acknowledged
    // before the batch's offsets are committed.
    const stock = stockServiceConsumer(connection, stockStore);
    producer = stock.producer;
    const metrics = createMetrics({ service: 'bench' });
    const dispatcher = createNotificationDispatcher({
      store: selectStoreBackend(await open('notification'), notificationStoreBackends, { retentionMs: 30 * DAY_MS }),
      channels: [createLogChannel()],
      backoff: { initialDelayMs: 500, maxDelayMs: 30_000 },
      metrics: createNotificationMetrics(metrics.registry),
    });
    const consumer = (
      name: string,
      handler: RecordHandler,
      options: { batches?: Consumer['batches']; log?: Logger } = {},
    ): Consumer => ({
      name,
      handler,
      ...options,
      rates: [],
      redis: new Map(),
      handled: 0,
    });
    const noop = consumer('no-op', async () => {});
    const analyticsDeps = {
      store: selectStoreBackend(await open('analytics'), analyticsStoreBackends, { dedupeRetentionMs: 7 * DAY_MS }),
    };
    const services = [
      consumer('stock', stock.handler, { batches: stock.batches }),
      consumer('notification', createNotificationHandler(dispatcher), {
        batches: { handleBatch: createNotificationBatchHandler(dispatcher), maxBatchSize: NOTIFICATION_BATCH_SIZE },
        log: createLogger({ name: 'notification-service', level: 'info', destination: pino.destination('/dev/null') }),
      }),
      consumer('analytics', createAnalyticsHandler(analyticsDeps), {
        batches: { handleBatch: createAnalyticsBatchHandler(analyticsDeps), maxBatchSize: EVENT_BATCH_SIZE },
      }),
    ];
    const all = [noop, ...services];
    const perSlice = Math.floor(EVENTS / SLICES);
    for (let slice = 0; slice < SLICES; slice++) {
      const order = all.map((_, i) => all[(i + slice) % all.length]!);
      for (const c of order) {
        if (PROFILE !== undefined && c.name !== PROFILE && c !== noop) continue;
        const before = admin ? await commandStats(admin) : undefined;
        const result = await drain(connection, {
          groupId: `bench-${c.name}-${run}`,
          topics: [Topics.orders],
          // Each group's slices end at the same cumulative counts, whatever an earlier slice took beyond its share.
          events: Math.max(1, Math.round((EVENTS * (slice + 1)) / SLICES) - c.handled),
          handler: c.handler,
          ...(c.batches ?? {}),
          ...(c.log ? { log: c.log } : {}),
        });
        if (admin && before) {
          for (const [command, calls] of commandDelta(before, await commandStats(admin))) {
            c.redis.set(command, (c.redis.get(command) ?? 0) + calls);
          }
        }
        c.rates.push(result.perSecond);
        c.handled += result.events;
      }
      const line = all.map((c) => `${c.name} ${(c.rates[slice] ?? Number.NaN).toFixed(0)}/s`).join(', ');
      console.log(`slice ${slice + 1}/${SLICES}: ${line}`);
    }

    const fmt = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(3));
    const rows = services
      .filter((c) => c.rates.length > 0)
      .map((c) => {
        const ratios = spread(c.rates.map((rate, i) => rate / noop.rates[i]!));
        const rates = spread(c.rates);
        const scripts = (c.redis.get('evalsha') ?? 0) + (c.redis.get('eval') ?? 0);
        const commands = [...c.redis.values()].reduce((sum, n) => sum + n, 0);
        return [
          c.name,
          Math.round(rates.median),
          Math.round(spread(noop.rates).median),
          fmt(ratios.min),
          fmt(ratios.median),
          fmt(ratios.max),
          ratios.median >= GOAL ? 'met' : 'NOT met',
          admin ? (scripts / c.handled).toFixed(3) : '-',
          admin ? (commands / c.handled).toFixed(2) : '-',
        ];
      });
    const table = {
      headers: [
        'consumer',
        'events/s (median)',
        'no-op events/s (median)',
        'ratio min',
        'ratio median',
        'ratio max',
        `goal >= ${GOAL}`,
        'Redis round trips/event',
        'Redis commands/event',
      ],
      rows,
    };
    const notes = [
      `${EVENTS} order-created events on ${PARTITIONS} partitions, ${SLICES} slices of ${perSlice} per consumer, ` +
        `the four consumers taking turns in rotating order; ratio = handler ÷ no-op events/s within a slice.`,
      `Store: ${STORE}${redisServer?.private ? ' (private redis-server: commandstats are these handlers alone)' : ''}; ` +
        `round trips = EVALSHA/EVAL calls, commands include those the scripts run inside Redis.`,
      `Each handler takes batches per partition as its service does: up to ${ORDER_BATCH_SIZE} records (stock), ` +
        `${NOTIFICATION_BATCH_SIZE} (notification, dispatched concurrently) and ${EVENT_BATCH_SIZE} (analytics).`,
      "The stock handler publishes each batch's decisions and stock-changed (acks=all, no linger) before the commit.",
    ];
    if (PROFILE !== undefined) {
      console.log(`\nBENCH_PROFILE=${PROFILE}: profiling run, not recorded`);
      console.log(JSON.stringify(table, null, 2));
    } else {
      report({ name: 'consume', table, notes });
    }
  } finally {
    await producer?.close();
    for (const store of stores) await store.close();
    if (admin) {
      await deleteKeys(admin, `orderflow:bench-*-${run}:*`);
      admin.disconnect();
    }
    await broker.close();
    await redisServer?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
