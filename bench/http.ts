// Benchmark, not a test: accepted orders per second of order-service (POST /orders → Redis claim → publish with
// acks=all to our broker → Redis completion → 202) ÷ a raw node:http server answering the same POST with 202, in
// alternating slices of one run, with both sides' latency and order-service's Redis round trips per order.
//
//   npm run bench -- http
//   BENCH_SLICES=5 BENCH_SLICE_SECONDS=5 BENCH_WARMUP_SECONDS=3 BENCH_CONNECTIONS=32 npm run bench -- http
//   BENCH_BROKER_FSYNC=never npm run bench -- http   # the broker's --fsync policy; unset keeps its default
//
// order-service runs as deployed (bench/lib/order-service.ts): a process of its own, on our broker in another and on
// a private redis-server, whose INFO commandstats therefore count order-service's commands only (with REDIS_URL set
// it uses that Redis, and counts other clients' commands too). The raw server is this file in its `raw-server` role,
// also a process of its own: it parses the same body and answers what order-service answers, with no store and no
// Kafka. autocannon runs in this process with BENCH_CONNECTIONS connections, each sending a new order (its own
// orderId, so every request claims a key and publishes) once its previous one is answered.
//
// After BENCH_WARMUP_SECONDS s on each (not counted), BENCH_SLICES slices of BENCH_SLICE_SECONDS s on each target, who
// goes first alternating. Per slice and target: 202 answers per second and the p50 and p99 of their latency; each
// ratio is order-service ÷ raw within one slice, reported as min/median/max over slices (goal: ≥ 0.5 orders/s, median).
// After each order-service slice the run waits until order-service has finished the requests still in flight, then
// reads INFO commandstats: Redis round trips (EVALSHA/EVAL calls) and commands per order published, over all slices
// (target: 1 round trip per order).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FsyncPolicy } from '@orderflow/broker';
import { Redis } from 'ioredis';
import { interruptOnSignals } from './lib/interrupt.ts';
import {
  countOrderTopic,
  type HttpSlice,
  orderSequence,
  postOrders,
  startNodeProcess,
  startOrderService,
  type TopicCounter,
  until,
} from './lib/order-service.ts';
import { commandDelta, commandStats, freePort } from './lib/redis.ts';
import { atLeast, comparisonRow, percentile } from './lib/slices.ts';
import { report } from './results.ts';

const SLICES = Number(process.env.BENCH_SLICES ?? 5);
const SLICE_SECONDS = Number(process.env.BENCH_SLICE_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const BROKER_FSYNC = process.env.BENCH_BROKER_FSYNC as FsyncPolicy | undefined;
const GOAL_RATIO = 0.5;
const ROUND_TRIPS_TARGET = 1;

const self = fileURLToPath(import.meta.url);

// The stand-in: parses the same body and answers what order-service answers, with no store and no Kafka.
function runRawServer(port: number): void {
  const server = createServer((request, response) => {
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

interface Slice {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
}

const sliceOf = (result: HttpSlice): Slice => ({
  rate: result.accepted / result.seconds,
  p50: percentile(result.latenciesMs, 0.5),
  p99: percentile(result.latenciesMs, 0.99),
});

async function main(): Promise<void> {
  const interrupted = interruptOnSignals();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-http-'));
  const nextOrder = orderSequence();
  const nextBody = () => JSON.stringify(nextOrder());
  const load = (url: string, seconds: number) =>
    postOrders(url, { seconds, connections: CONNECTIONS, nextBody, signal: interrupted });
  let stopService: (() => Promise<void>) | undefined;
  let stopRaw: (() => Promise<void>) | undefined;
  let admin: Redis | undefined;
  let topic: TopicCounter | undefined;
  try {
    const stack = await startOrderService({
      dataDir,
      ...(BROKER_FSYNC === undefined ? {} : { fsync: BROKER_FSYNC }),
      signal: interrupted,
    });
    stopService = stack.stop;
    const rawPort = await freePort();
    const raw = startNodeProcess('raw-server', [self, 'raw-server', String(rawPort)]);
    stopRaw = raw.stop;
    const rawUrl = `http://127.0.0.1:${rawPort}`;
    await until(
      'raw server',
      async () => {
        raw.assertRunning();
        return (await fetch(`${rawUrl}/orders`, { method: 'POST', body: nextBody() })).status === 202;
      },
      interrupted,
    );
    admin = new Redis(stack.redis.url, { maxRetriesPerRequest: 1 });
    // A Ctrl-C stops the private redis-server too; the commands that fail then end the run anyway.
    admin.on('error', () => undefined);
    topic = countOrderTopic(stack.bootstrap, interrupted);

    console.log(
      `warming up ${WARMUP_SECONDS} s each; then ${SLICES} alternating slices of ${SLICE_SECONDS} s each, ` +
        `${CONNECTIONS} connections; Redis at ${stack.redis.url}${stack.redis.private ? ' (private to this run)' : ''}`,
    );
    const warmService = await load(stack.url, WARMUP_SECONDS);
    await topic.quiet();
    await load(rawUrl, WARMUP_SECONDS);

    const service: Slice[] = [];
    const reference: Slice[] = [];
    const serviceResults: HttpSlice[] = [warmService];
    const redisCalls = new Map<string, number>();
    let ordersPublished = 0;
    for (let slice = 0; slice < SLICES; slice++) {
      // Alternating who goes first cancels a trend (heating, background work) across the run.
      const order = slice % 2 === 0 ? (['service', 'raw'] as const) : (['raw', 'service'] as const);
      for (const target of order) {
        if (target === 'raw') {
          reference.push(sliceOf(await load(rawUrl, SLICE_SECONDS)));
          raw.assertRunning();
          continue;
        }
        const before = await commandStats(admin);
        const recordsBefore = await topic.records();
        const result = await load(stack.url, SLICE_SECONDS);
        stack.service.assertRunning();
        service.push(sliceOf(result));
        serviceResults.push(result);
        // autocannon stops counting at the end of a slice with requests still in flight: the commands are read once
        // order-service has finished them, and divided by the orders it published meanwhile.
        ordersPublished += (await topic.quiet()) - recordsBefore;
        for (const [command, calls] of commandDelta(before, await commandStats(admin))) {
          redisCalls.set(command, (redisCalls.get(command) ?? 0) + calls);
        }
      }
      console.log(
        `slice ${slice + 1}/${SLICES}: order-service ${service.at(-1)!.rate.toFixed(0)} orders/s, ` +
          `raw ${reference.at(-1)!.rate.toFixed(0)}/s`,
      );
    }
    // Every 202 promised an event on order-topic: count what the broker holds.
    const onTopic = await topic.records();

    const sum = (pick: (result: HttpSlice) => number) => serviceResults.reduce((total, r) => total + pick(r), 0);
    const roundTrips = ((redisCalls.get('evalsha') ?? 0) + (redisCalls.get('eval') ?? 0)) / ordersPublished;
    const commands = [...redisCalls.values()].reduce((total, calls) => total + calls, 0) / ordersPublished;
    const breakdown = [...redisCalls]
      .sort((a, b) => b[1] - a[1])
      .map(([command, calls]) => `${command} ${(calls / ordersPublished).toFixed(2)}`)
      .join(', ');
    const slices = { ours: service, reference };
    const table = {
      headers: [
        'metric (median of slices)',
        'order-service',
        'raw node:http',
        'ratio min',
        'ratio median',
        'ratio max',
        'goal (median)',
      ],
      rows: [
        comparisonRow('accepted orders/s', slices, (s) => s.rate, 0, atLeast(GOAL_RATIO)),
        comparisonRow('latency p50 ms', slices, (s) => s.p50, 2),
        comparisonRow('latency p99 ms', slices, (s) => s.p99, 2),
      ],
    };
    // A request still in flight when a slice ended may have been published without its 202 being counted.
    const promised = sum((r) => r.accepted);
    const sent = sum((r) => r.sent);
    const nonAccepted = sum((r) => r.other + r.errors);
    const notes = [
      `Ratios are order-service ÷ raw within each of ${service.length} slices of ${SLICE_SECONDS} s per target, ` +
        `alternating who goes first, after ${WARMUP_SECONDS} s of warm-up each; ${CONNECTIONS} autocannon ` +
        'connections in this process, each sending a new order once its previous one is answered.',
      'Latency: from the request written to its 202 read, as autocannon measures it (unrounded).',
      `Redis per order published: ${roundTrips.toFixed(2)} round trips (EVALSHA/EVAL calls; target ` +
        `${ROUND_TRIPS_TARGET}: ${roundTrips <= ROUND_TRIPS_TARGET + 0.005 ? 'met' : 'not met'}), ` +
        `${commands.toFixed(2)} commands including those the scripts run (${breakdown}), ` +
        `over ${ordersPublished} orders; ${stack.redis.private ? 'a private redis-server' : `the shared Redis at ${stack.redis.url}, other clients' commands included`}.`,
      `order-service: services/order-service/src/main.ts, LOG_LEVEL=warn, on our broker (packages/broker/src/bin.ts, ` +
        `${BROKER_FSYNC === undefined ? 'its default fsync policy' : `--fsync ${BROKER_FSYNC}`}), each a child process.`,
      `order-topic holds ${onTopic} records for ${promised} answers 202 and ${sent} requests sent: ` +
        `${promised <= onTopic && onTopic <= sent ? 'every acknowledged order is there' : 'MISMATCH'}` +
        `${nonAccepted === 0 ? '' : `; ${nonAccepted} requests not answered 202`}.`,
    ];
    report({ name: 'http', table, notes });
  } catch (error) {
    // Ctrl-C stops the child processes too: what fails then is the interruption's doing.
    if (!interrupted.aborted) throw error;
  } finally {
    await topic?.close();
    admin?.disconnect();
    await stopRaw?.();
    await stopService?.();
    rmSync(dataDir, { recursive: true, force: true });
    if (interrupted.aborted) process.exitCode = 130;
  }
}

if (process.argv[2] === 'raw-server') runRawServer(Number(process.argv[3]));
else await main();
