// Benchmark, not a test: how fast stock-service's order-created handler drains a backlog, next to a no-op consumer
// built on the same client (the platform consumer runner) draining the same backlog in the same run.
//
//   node bench/stock-consume.ts
//   BENCH_EVENTS=100000 BENCH_PARTITIONS=3 BENCH_LINGER_MS=0 BENCH_FSYNC=never BENCH_BROKER=process \
//   BENCH_MAX_BUFFERED=1000 node bench/stock-consume.ts
//
// Both consumers read the same pre-filled order-topic from the beginning, one after the other so they do not compete
// for CPU, each in a consumer group of its own. Throughput is measured from the first record handled to the last.
// The stock handler runs against a Redis store under a throw-away key prefix. INFO commandstats is server-wide, so
// by default the bench starts a private redis-server (when one is installed) whose statistics only this run touches;
// with REDIS_URL set it uses that server and counts whatever other clients send meanwhile as well.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type FsyncPolicy, startBroker } from '@orderflow/broker';
import { createEvent, EventTypes, encodeEvent, Topics } from '@orderflow/contracts';
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
import { openStockStore } from '../services/stock-service/src/open-stock-store.ts';
import { createReservationHandler } from '../services/stock-service/src/reservation-handler.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 3);
// Apache Kafka acknowledges acks=all once replicated, without an fsync per request; the embedded broker's 'batch'
// policy syncs before every acknowledgement, which would make this a benchmark of the disk.
const FSYNC = (process.env.BENCH_FSYNC ?? 'never') as FsyncPolicy;
// 'process' runs the broker as its own process, as Kafka is in production, instead of on this event loop.
const BROKER_MODE = process.env.BENCH_BROKER ?? 'process';
// The runner's maxBufferedRecords; unset keeps the runner's default, as the service runs it.
const MAX_BUFFERED = process.env.BENCH_MAX_BUFFERED === undefined ? undefined : Number(process.env.BENCH_MAX_BUFFERED);
const PRODUCTS = 20;
const FILL_CHUNK = 5000;
const GOAL_RATIO = 0.5;

const log = createLogger({ name: 'bench', level: 'silent' });

interface Drain {
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
}

async function fillBacklog(connection: KafkaConnection): Promise<void> {
  const producer = createEventProducer({ connection, log, maxBatchSize: 1000 });
  const createdAt = new Date().toISOString();
  for (let start = 0; start < EVENTS; start += FILL_CHUNK) {
    const publishes: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(start + FILL_CHUNK, EVENTS); i++) {
      const orderId = `bench-${i}`;
      const productId = `A${String((i % PRODUCTS) + 1).padStart(3, '0')}`;
      const event = createEvent(
        EventTypes.orderCreated,
        { orderId, productId, quantity: 1, createdAt },
        { source: '/orderflow/bench' },
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
  let done!: () => void;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const runner = await startConsumer({
    connection,
    groupId,
    topics: [Topics.orders],
    log,
    ...(MAX_BUFFERED === undefined ? {} : { maxBufferedRecords: MAX_BUFFERED }),
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

interface BenchRedis {
  readonly url: string;
  readonly private: boolean;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** REDIS_URL when set, else a private, non-persistent redis-server, else the shared one on 6379. */
async function benchRedis(): Promise<BenchRedis> {
  const shared = (url: string): BenchRedis => ({ url, private: false, stop: async () => {} });
  if (process.env.REDIS_URL !== undefined) return shared(process.env.REDIS_URL);
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
    stdio: 'ignore',
  });
  const failed = await Promise.race([once(child, 'error').then(() => true), once(child, 'spawn').then(() => false)]);
  if (failed) return shared('redis://127.0.0.1:6379');
  const url = `redis://127.0.0.1:${port}`;
  // redis-server takes a moment to listen: poll until it answers.
  for (let attempt = 1; ; attempt++) {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      probe.disconnect();
      break;
    } catch (error) {
      probe.disconnect();
      if (attempt >= 250) throw error;
      await delay(20);
    }
  }
  return {
    url,
    private: true,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

interface BenchBroker {
  readonly bootstrap: string;
  close(): Promise<void>;
}

async function benchBroker(dataDir: string): Promise<BenchBroker> {
  const brokerDir = join(dataDir, 'broker');
  if (BROKER_MODE !== 'process') {
    return startBroker({ port: 0, dataDir: brokerDir, log, defaultPartitions: PARTITIONS, fsync: FSYNC });
  }
  const bin = fileURLToPath(import.meta.resolve('@orderflow/broker').replace(/index\.ts$/, 'bin.ts'));
  const args = ['--port', '0', '--data-dir', brokerDir, '--fsync', FSYNC, '--partitions', String(PARTITIONS)];
  const child = spawn(process.execPath, [bin, ...args, '--log-level', 'info'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'broker listening' && entry.port !== undefined) resolve(entry.port);
    });
    void exited.then(() => reject(new Error('the broker exited before listening')));
  });
  return {
    bootstrap: `127.0.0.1:${port}`,
    async close() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await exited;
    },
  };
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
  const platformStore = await openStore({ REDIS_URL, ORDERFLOW_DATA_DIR: dataDir }, { log, namespace });
  try {
    console.log(
      `filling order-topic (${PARTITIONS} partitions, fsync ${FSYNC}) with ${EVENTS} order-created events...`,
    );
    const fillStarted = performance.now();
    await fillBacklog(connection);
    console.log(`filled in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);

    const noop = await drain(connection, 'bench-noop', async () => {});
    console.log(`no-op consumer:   ${noop.perSecond.toFixed(0)} events/s (${noop.seconds.toFixed(2)} s)`);

    const stockStore = openStockStore(platformStore, 24 * 60 * 60 * 1000);
    // Enough stock for every order: the hot path measured is check + decrement + record, and two publishes.
    const levels = new Map<string, number>();
    for (let i = 1; i <= PRODUCTS; i++) levels.set(`A${String(i).padStart(3, '0')}`, 1_000_000_000);
    await stockStore.seed(levels);
    // Time spent in the store step, to tell it apart from waiting for the broker's acknowledgement.
    let reserveMs = 0;
    const store = {
      ...stockStore,
      async reserve(...args: Parameters<typeof stockStore.reserve>) {
        const started = performance.now();
        const result = await stockStore.reserve(...args);
        reserveMs += performance.now() - started;
        return result;
      },
    };
    const lingerMs = Number(process.env.BENCH_LINGER_MS ?? 0);
    const producer = createEventProducer({ connection, log, lingerMs });
    const handler = createReservationHandler({ store, producer });
    let handlerMs = 0;
    const before = await commandStats(admin);
    const stock = await drain(connection, 'stock-service', async (record, context) => {
      const started = performance.now();
      await handler(record, context);
      handlerMs += performance.now() - started;
    });
    const after = await commandStats(admin);
    await producer.close();
    console.log(`stock handler:    ${stock.perSecond.toFixed(0)} events/s (${stock.seconds.toFixed(2)} s)`);
    const perEvent = (ms: number) => (ms / stock.events).toFixed(3);
    console.log(
      `  per event: handler ${perEvent(handlerMs)} ms = store step ${perEvent(reserveMs)} ms + publish until ` +
        `acknowledged ${perEvent(handlerMs - reserveMs)} ms (producer linger ${lingerMs} ms)`,
    );
    // The runner handles one record at a time per partition, so at most PARTITIONS handler calls overlap.
    const inFlight = handlerMs / (stock.seconds * 1000);
    console.log(`  handler calls in flight on average: ${inFlight.toFixed(2)} of at most ${PARTITIONS}`);

    const ratio = stock.perSecond / noop.perSecond;
    console.log(
      `ratio:            ${ratio.toFixed(3)} (goal >= ${GOAL_RATIO}: ${ratio >= GOAL_RATIO ? 'met' : 'NOT met'})`,
    );
    const perCommand: string[] = [];
    let total = 0;
    for (const [command, calls] of after) {
      const delta = calls - (before.get(command) ?? 0);
      if (delta <= 0 || command === 'info') continue;
      total += delta;
      perCommand.push(`${command} ${(delta / stock.events).toFixed(2)}`);
    }
    console.log(`redis commands per event: ${(total / stock.events).toFixed(2)} (${perCommand.join(', ')})`);
    console.log('  (EVALSHA is the one round trip per event; the commands it runs inside Redis are counted as well)');
  } finally {
    await platformStore.close();
    await deleteKeys(admin, `orderflow:${namespace}:*`);
    admin.disconnect();
    await broker.close();
  }
}

await main();
