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
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freePort } from '../packages/cli/src/load/embedded-stack.ts';
import * as comparison from './lib/order-service-comparison.ts';
import { type HttpSlice, startNodeProcess, until } from './lib/order-service.ts';
import { commandDelta, commandStats } from './lib/redis.ts';
import { turns } from './lib/slices.ts';
import { report } from './results.ts';

const settings = comparison.settingsFromEnv();
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

async function measure({ interrupted, stack, topic, nextBody, load }: comparison.Run): Promise<void> {
  const { slices, sliceSeconds, warmupSeconds, connections } = settings;
  let stopRaw: (() => Promise<void>) | undefined;
  let admin: Redis | undefined;
  try {
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

    console.log(
      `warming up ${warmupSeconds} s each; then ${slices} alternating slices of ${sliceSeconds} s each, ` +
        `${connections} connections; Redis at ${stack.redis.url}${stack.redis.private ? ' (private to this run)' : ''}`,
    );
    const warmService = await load(stack.url, warmupSeconds);
    await topic.quiet();
    await load(rawUrl, warmupSeconds);

    const service: comparison.RateSlice[] = [];
    const reference: comparison.RateSlice[] = [];
    const serviceResults: HttpSlice[] = [warmService];
    const redisCalls = new Map<string, number>();
    let ordersPublished = 0;
    for (let slice = 0; slice < slices; slice++) {
      for (const target of turns(slice, 'service', 'raw')) {
        if (target === 'raw') {
          reference.push(comparison.acceptedRate(await load(rawUrl, sliceSeconds)));
          raw.assertRunning();
          continue;
        }
        const before = await commandStats(admin);
        const recordsBefore = await topic.records();
        const result = await load(stack.url, sliceSeconds);
        stack.service.assertRunning();
        service.push(comparison.acceptedRate(result));
        serviceResults.push(result);
        // autocannon stops counting at the end of a slice with requests still in flight: the commands are read once
        // order-service has finished them, and divided by the orders it published meanwhile.
        ordersPublished += (await topic.quiet()) - recordsBefore;
        for (const [command, calls] of commandDelta(before, await commandStats(admin))) {
          redisCalls.set(command, (redisCalls.get(command) ?? 0) + calls);
        }
      }
      console.log(
        `slice ${slice + 1}/${slices}: order-service ${service.at(-1)!.rate.toFixed(0)} orders/s, ` +
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
    const table = comparison.table(
      { ours: service, reference },
      { reference: 'raw node:http', rate: 'accepted orders/s' },
      GOAL_RATIO,
    );
    // A request still in flight when a slice ended may have been published without its 202 being counted.
    const promised = sum((r) => r.accepted);
    const sent = sum((r) => r.sent);
    const nonAccepted = sum((r) => r.other + r.errors);
    const notes = [
      `Ratios are order-service ÷ raw within each of ${service.length} slices of ${sliceSeconds} s per target, ` +
        `alternating who goes first, after ${warmupSeconds} s of warm-up each; ${connections} autocannon ` +
        'connections in this process, each sending a new order once its previous one is answered.',
      'Latency: from the request written to its 202 read, as autocannon measures it (unrounded).',
      `Redis per order published: ${roundTrips.toFixed(2)} round trips (EVALSHA/EVAL calls; target ` +
        `${ROUND_TRIPS_TARGET}: ${roundTrips <= ROUND_TRIPS_TARGET + 0.005 ? 'met' : 'not met'}), ` +
        `${commands.toFixed(2)} commands including those the scripts run (${breakdown}), ` +
        `over ${ordersPublished} orders; ${stack.redis.private ? 'a private redis-server' : `the shared Redis at ${stack.redis.url}, other clients' commands included`}.`,
      `order-service: ${comparison.describeOrderService(settings)}, each a child process.`,
      `order-topic holds ${onTopic} records for ${promised} answers 202 and ${sent} requests sent: ` +
        `${promised <= onTopic && onTopic <= sent ? 'every acknowledged order is there' : 'MISMATCH'}` +
        `${nonAccepted === 0 ? '' : `; ${nonAccepted} requests not answered 202`}.`,
    ];
    report({ name: 'http', table, notes });
  } finally {
    admin?.disconnect();
    await stopRaw?.();
  }
}

if (process.argv[2] === 'raw-server') runRawServer(Number(process.argv[3]));
else await comparison.run('http', settings, measure);
