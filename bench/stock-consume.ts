// Benchmark, not a test: how fast stock-service's order-created handlers drain a backlog (batches per partition, as
// main.ts runs them), next to a no-op consumer built on the same client (the platform consumer runner) draining the
// same backlog in the same run.
//
//   node bench/stock-consume.ts
//   BENCH_EVENTS=100000 BENCH_PARTITIONS=3 BENCH_LINGER_MS=0 BENCH_FSYNC=never BENCH_BROKER=process \
//   BENCH_MAX_BUFFERED=1000 node bench/stock-consume.ts
//
// Both consumers read the same pre-filled order-topic from the beginning, one after the other so they do not compete
// for CPU, each in a consumer group of its own. Throughput is measured from the first handler call to the last.
// The stock handler runs against a Redis store under a throw-away key prefix. INFO commandstats is server-wide, so
// by default the bench starts a private redis-server (when one is installed) whose statistics only this run touches;
// with REDIS_URL set it uses that server and counts whatever other clients send meanwhile as well.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FsyncPolicy, startBroker } from '@orderflow/broker';
import { Topics } from '@orderflow/contracts';
import { createKafkaConnection, openStore, type RecordHandler, selectStoreBackend } from '@orderflow/platform';
import { Redis } from 'ioredis';
import { stockStoreBackends } from '@orderflow/stock-service/store';
import { type Batches, drain as drainBacklog, fillBacklog, orderCreatedEvent, silentLog } from './lib/backlog.ts';
import { startBrokerProcess } from './lib/broker-process.ts';
import { ampleStock } from './lib/products.ts';
import { type BenchRedis, benchRedis, commandDelta, commandStats, deleteKeys } from './lib/redis.ts';
import { stockServiceConsumer } from './lib/stock-service-consumer.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 3);
// Apache Kafka acknowledges acks=all once replicated, without an fsync per request; the embedded broker's 'batch'
// policy syncs before every acknowledgement, which would make this a benchmark of the disk.
const FSYNC = (process.env.BENCH_FSYNC ?? 'never') as FsyncPolicy;
// 'process' runs the broker as its own process, as Kafka is in production, instead of on this event loop.
const BROKER_MODE = process.env.BENCH_BROKER ?? 'process';
// The runner's maxBufferedRecords; unset keeps the runner's default, as the service runs it.
const MAX_BUFFERED = process.env.BENCH_MAX_BUFFERED === undefined ? undefined : Number(process.env.BENCH_MAX_BUFFERED);
const GOAL_RATIO = 0.5;

function drain(
  connection: Parameters<typeof drainBacklog>[0],
  groupId: string,
  handler: RecordHandler,
  batches?: Batches,
) {
  return drainBacklog(connection, {
    groupId,
    topics: [Topics.orders],
    events: EVENTS,
    handler,
    ...batches,
    ...(MAX_BUFFERED === undefined ? {} : { maxBufferedRecords: MAX_BUFFERED }),
  });
}

interface BenchBroker {
  readonly bootstrap: string;
  close(): Promise<void>;
}

async function benchBroker(dataDir: string): Promise<BenchBroker> {
  if (BROKER_MODE !== 'process') {
    const brokerDir = join(dataDir, 'broker');
    return startBroker({ port: 0, dataDir: brokerDir, log: silentLog, defaultPartitions: PARTITIONS, fsync: FSYNC });
  }
  return startBrokerProcess(dataDir, { fsync: FSYNC, partitions: PARTITIONS });
}

async function main(): Promise<void> {
  const redisServer = await benchRedis();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-stock-'));
  try {
    await run(redisServer, dataDir);
  } finally {
    await redisServer.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function run(redisServer: BenchRedis, dataDir: string): Promise<void> {
  const REDIS_URL = redisServer.url;
  console.log(`redis: ${REDIS_URL}${redisServer.private ? ' (private to this run)' : ' (shared: others count too)'}`);
  const broker = await benchBroker(dataDir);
  console.log(`broker: ${broker.bootstrap} (${BROKER_MODE === 'process' ? 'own process' : 'in this process'})`);
  const connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'bench' });
  const namespace = `bench-stock-${randomUUID()}`;
  const admin = new Redis(REDIS_URL);
  const platformStore = await openStore({ REDIS_URL, ORDERFLOW_DATA_DIR: dataDir }, { log: silentLog, namespace });
  try {
    console.log(
      `filling order-topic (${PARTITIONS} partitions, fsync ${FSYNC}) with ${EVENTS} order-created events...`,
    );
    const fillStarted = performance.now();
    const createdAt = new Date().toISOString();
    await fillBacklog(connection, EVENTS, (i) => orderCreatedEvent(i, { createdAt, quantity: 1 }));
    console.log(`filled in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);

    const noop = await drain(connection, 'bench-noop', async () => {});
    console.log(`no-op consumer:   ${noop.perSecond.toFixed(0)} events/s (${noop.seconds.toFixed(2)} s)`);

    const stockStore = selectStoreBackend(platformStore, stockStoreBackends, {
      reservationRetentionMs: 24 * 60 * 60 * 1000,
    });
    // Enough stock for every order: the hot path measured is check + decrement + record, and two publishes.
    await stockStore.seed(ampleStock());
    // Time spent in the store step, to tell it apart from waiting for the broker's acknowledgement.
    let reserveMs = 0;
    const store = {
      ...stockStore,
      async reserveMany(...args: Parameters<typeof stockStore.reserveMany>) {
        const started = performance.now();
        const result = await stockStore.reserveMany(...args);
        reserveMs += performance.now() - started;
        return result;
      },
    };
    // The producer and the handlers as main.ts sets them up.
    const lingerMs = Number(process.env.BENCH_LINGER_MS ?? 0);
    const { producer, handler, batches: stockBatches } = stockServiceConsumer(connection, store, lingerMs);
    let handlerMs = 0;
    let batches = 0;
    const before = await commandStats(admin);
    const stock = await drain(connection, 'stock-service', handler, {
      maxBatchSize: stockBatches.maxBatchSize,
      handleBatch: async (records, context) => {
        const started = performance.now();
        await stockBatches.handleBatch(records, context);
        handlerMs += performance.now() - started;
        batches += 1;
      },
    });
    const after = await commandStats(admin);
    await producer.close();
    console.log(`stock handler:    ${stock.perSecond.toFixed(0)} events/s (${stock.seconds.toFixed(2)} s)`);
    console.log(`  ${batches} batches of ${(stock.events / batches).toFixed(0)} records on average`);
    const perEvent = (ms: number) => (ms / stock.events).toFixed(3);
    console.log(
      `  per event: handler ${perEvent(handlerMs)} ms = store step ${perEvent(reserveMs)} ms + decoding, publishing ` +
        `and waiting for the acknowledgements ${perEvent(handlerMs - reserveMs)} ms (producer linger ${lingerMs} ms)`,
    );
    // Each partition hands over one batch at a time, so at most PARTITIONS batch calls overlap.
    const inFlight = handlerMs / (stock.seconds * 1000);
    console.log(`  batch calls in flight on average: ${inFlight.toFixed(2)} of at most ${PARTITIONS}`);

    const ratio = stock.perSecond / noop.perSecond;
    console.log(
      `ratio:            ${ratio.toFixed(3)} (goal >= ${GOAL_RATIO}: ${ratio >= GOAL_RATIO ? 'met' : 'NOT met'})`,
    );
    const perCommand: string[] = [];
    let total = 0;
    for (const [command, calls] of commandDelta(before, after)) {
      total += calls;
      perCommand.push(`${command} ${(calls / stock.events).toFixed(2)}`);
    }
    console.log(`redis commands per event: ${(total / stock.events).toFixed(2)} (${perCommand.join(', ')})`);
    console.log('  (EVALSHA is the one round trip per batch; the commands it runs inside Redis are counted as well)');
  } finally {
    await platformStore.close();
    await deleteKeys(admin, `orderflow:${namespace}:*`);
    admin.disconnect();
    await broker.close();
  }
}

await main();
