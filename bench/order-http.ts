// Benchmark, not a test: accepted orders per second of order-service (POST /orders → Redis claim → publish with
// acks=all to our broker → Redis completion → 202), next to a raw node:http server answering the same POST with 202,
// measured in the same run in alternating slices so both see the same machine.
//
//   node bench/order-http.ts
//   BENCH_SLICES=5 BENCH_SLICE_SECONDS=5 BENCH_CONNECTIONS=32 node bench/order-http.ts
//
// Everything runs as its own process, as deployed: the broker (packages/broker/src/bin.ts, default fsync policy),
// order-service (services/order-service/src/main.ts, LOG_LEVEL=warn), the raw server (this file, `raw-server` role)
// and a private redis-server on a free port, so INFO commandstats counts order-service's commands only. Set
// BENCH_REDIS_URL to use an existing Redis instead (then other clients' commands are counted too). autocannon runs
// in this process. Every request is a new order with its own orderId, so every one claims a key and publishes.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Consumer } from '@platformatic/kafka';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';

const SLICES = Number(process.env.BENCH_SLICES ?? 5);
const SLICE_SECONDS = Number(process.env.BENCH_SLICE_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** The broker's --fsync policy; unset keeps the broker's default. */
const BROKER_FSYNC = process.env.BENCH_BROKER_FSYNC;
const PRODUCTS = 20;

const root = fileURLToPath(new URL('..', import.meta.url));
const self = fileURLToPath(import.meta.url);

// The stand-in: parses the same body and answers what order-service answers, with no store and no Kafka.
function runRawServer(port: number): void {
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const orderId = typeof body.orderId === 'string' ? body.orderId : randomUUID();
      const createdAt = new Date().toISOString();
      const order = {
        orderId,
        productId: body.productId,
        quantity: body.quantity,
        status: 'PENDING',
        createdAt,
        updatedAt: createdAt,
        history: [{ status: 'PENDING', at: createdAt }],
      };
      response.writeHead(202, { 'content-type': 'application/json', location: `/orders/${orderId}` });
      response.end(JSON.stringify(order));
    });
  });
  server.listen(port, '127.0.0.1');
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

interface Child {
  readonly process: ChildProcess;
  readonly output: () => string;
}

function start(name: string, command: string, args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`${name} exited early (code ${code}, signal ${signal}):\n${output}\n`);
      process.exit(1);
    }
  });
  return { process: child, output: () => output };
}

async function stop(child: Child | undefined): Promise<void> {
  if (child === undefined || child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = once(child.process, 'exit');
  child.process.kill('SIGTERM');
  await exited;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

let sequence = 0;
const run = randomUUID().slice(0, 8);

function nextOrder(): string {
  sequence += 1;
  const productId = `A${String((sequence % PRODUCTS) + 1).padStart(3, '0')}`;
  return JSON.stringify({ orderId: `bench-${run}-${sequence}`, productId, quantity: 2 });
}

function load(url: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/orders',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: nextOrder() }),
      },
    ],
  });
}

async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const stats = new Map<string, number>();
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match) stats.set(match[1]!, Number(match[2]));
  }
  return stats;
}

/** Records on order-topic: one per order order-service published, so one per accepted order. */
async function topicRecords(offsets: Consumer): Promise<number> {
  const ends = (await offsets.listOffsets({ topics: ['order-topic'] })).get('order-topic') ?? [];
  return ends.reduce((sum, end) => sum + Number(end), 0);
}

/**
 * Waits until order-service has finished the requests still in flight when autocannon stopped: the record count
 * stands still for 250 ms, far longer than the completion write that follows each acknowledgement takes.
 */
async function quiet(offsets: Consumer): Promise<number> {
  let last = await topicRecords(offsets);
  for (;;) {
    await delay(250);
    const now = await topicRecords(offsets);
    if (now === last) return now;
    last = now;
  }
}

interface Tally {
  accepted: number;
  /** Requests sent, including those still unanswered when a run ended. */
  sent: number;
  other: number;
  errors: number;
  seconds: number;
  p50: number[];
  p99: number[];
}

function tally(): Tally {
  return { accepted: 0, sent: 0, other: 0, errors: 0, seconds: 0, p50: [], p99: [] };
}

function add(into: Tally, result: autocannon.Result): void {
  const accepted = result.statusCodeStats?.['202']?.count ?? 0;
  into.accepted += accepted;
  into.sent += result.requests.sent;
  into.other += result.requests.total - accepted;
  into.errors += result.errors;
  into.seconds += result.duration;
  into.p50.push(result.latency.p50);
  into.p99.push(result.latency.p99);
}

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

let stopping = false;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-order-http-'));
  const children: Child[] = [];
  let redisUrl = process.env.BENCH_REDIS_URL;
  let admin: Redis | undefined;
  try {
    if (redisUrl === undefined) {
      const redisPort = await freePort();
      children.push(
        start('redis-server', 'redis-server', [
          '--port',
          String(redisPort),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
        ]),
      );
      redisUrl = `redis://127.0.0.1:${redisPort}`;
    }
    admin = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    const redis = admin;
    // Refused connections are expected while redis-server starts; until() retries.
    redis.on('error', () => undefined);
    await until('redis', async () => {
      if (redis.status === 'wait') await redis.connect();
      return (await redis.ping()) === 'PONG';
    });

    const brokerPort = await freePort();
    children.push(
      start('broker', process.execPath, [
        'packages/broker/src/bin.ts',
        '--port',
        String(brokerPort),
        '--data-dir',
        join(dir, 'broker'),
        '--log-level',
        'warn',
        ...(BROKER_FSYNC === undefined ? [] : ['--fsync', BROKER_FSYNC]),
      ]),
    );
    const servicePort = await freePort();
    children.push(
      start('order-service', process.execPath, ['services/order-service/src/main.ts'], {
        PORT: String(servicePort),
        HOST: '127.0.0.1',
        KAFKA_BROKERS: `127.0.0.1:${brokerPort}`,
        REDIS_URL: redisUrl,
        ORDERFLOW_DATA_DIR: join(dir, 'data'),
        LOG_LEVEL: 'warn',
      }),
    );
    const rawPort = await freePort();
    children.push(start('raw-server', process.execPath, [self, 'raw-server', String(rawPort)]));

    const service = `http://127.0.0.1:${servicePort}`;
    const raw = `http://127.0.0.1:${rawPort}`;
    await until('order-service ready', async () => (await fetch(`${service}/health/ready`)).status === 200);
    await until('raw server', async () => (await fetch(raw, { method: 'POST', body: nextOrder() })).status === 202);

    console.log(
      `warming up ${WARMUP_SECONDS} s each; then ${SLICES} alternating slices of ${SLICE_SECONDS} s, ` +
        `${CONNECTIONS} connections`,
    );
    const warm = tally();
    add(warm, await load(service, WARMUP_SECONDS));
    await load(raw, WARMUP_SECONDS);

    const results = { service: tally(), raw: tally() };
    const redisCalls = new Map<string, number>();
    const offsets = new Consumer({
      clientId: 'bench-offsets',
      bootstrapBrokers: [`127.0.0.1:${brokerPort}`],
      groupId: `bench-offsets-${run}`,
    });
    let ordersCounted = 0;
    await quiet(offsets);
    for (let slice = 0; slice < SLICES; slice++) {
      // Alternating who goes first cancels a trend (heating, background work) across the run.
      const order = slice % 2 === 0 ? (['service', 'raw'] as const) : (['raw', 'service'] as const);
      for (const target of order) {
        if (target === 'raw') {
          add(results.raw, await load(raw, SLICE_SECONDS));
          continue;
        }
        const before = await commandStats(redis);
        const recordsBefore = await topicRecords(offsets);
        add(results.service, await load(service, SLICE_SECONDS));
        // autocannon stops counting at the end of a slice with requests still in flight; the Redis commands are
        // read once order-service has finished them, and divided by the orders it published meanwhile.
        ordersCounted += (await quiet(offsets)) - recordsBefore;
        const after = await commandStats(redis);
        for (const [command, calls] of after) {
          const delta = calls - (before.get(command) ?? 0);
          if (delta > 0 && command !== 'info') redisCalls.set(command, (redisCalls.get(command) ?? 0) + delta);
        }
      }
      process.stdout.write(`slice ${slice + 1}/${SLICES} done\n`);
    }

    const row = (name: string, t: Tally) =>
      `${name.padEnd(22)}${(t.accepted / t.seconds).toFixed(0).padStart(10)}${mean(t.p50).toFixed(1).padStart(10)}` +
      `${mean(t.p99).toFixed(1).padStart(10)}${String(t.other + t.errors).padStart(12)}`;
    console.log('');
    console.log(
      `${'target'.padEnd(22)}${'orders/s'.padStart(10)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'non-202'.padStart(12)}`,
    );
    console.log(row('order-service', results.service));
    console.log(row('raw node:http', results.raw));
    const ratio = results.service.accepted / results.service.seconds / (results.raw.accepted / results.raw.seconds);
    console.log(`ratio order-service / raw: ${ratio.toFixed(3)}`);
    console.log("(p50/p99: mean over the slices of each slice's percentile)");

    const orders = ordersCounted;
    const scripts = (redisCalls.get('evalsha') ?? 0) + (redisCalls.get('eval') ?? 0);
    const total = [...redisCalls.values()].reduce((sum, calls) => sum + calls, 0);
    const breakdown = [...redisCalls]
      .sort((a, b) => b[1] - a[1])
      .map(([command, calls]) => `${command} ${(calls / orders).toFixed(2)}`)
      .join(', ');
    console.log('');
    console.log(`Redis round trips per accepted order: ${(scripts / orders).toFixed(2)} (EVALSHA/EVAL calls)`);
    console.log(
      `Redis commands per accepted order, including those run inside the scripts: ${(total / orders).toFixed(2)}`,
    );
    console.log(`  ${breakdown}`);
    console.log('  (on this path order-service sends nothing but EVALSHA; every other command runs inside a script)');

    // Every 202 promised an event on order-topic: count what the broker holds.
    const onTopic = await topicRecords(offsets);
    await offsets.close();
    // A request still in flight when a run ended may have been published without its 202 being counted.
    const promised = results.service.accepted + warm.accepted;
    const sent = results.service.sent + warm.sent;
    const consistent = promised <= onTopic && onTopic <= sent;
    console.log('');
    console.log(
      `order-topic holds ${onTopic} records for ${promised} answers 202 and ${sent} requests sent: ` +
        `${consistent ? 'every acknowledged order is there' : 'MISMATCH'}`,
    );
  } finally {
    stopping = true;
    admin?.disconnect();
    for (const child of children.reverse()) await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'raw-server') runRawServer(Number(process.argv[3]));
else await main();
