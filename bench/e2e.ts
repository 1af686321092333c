// Benchmark, not a test: an order's end-to-end latency at a fixed rate, from its 202 to all three consumers of
// order-topic done, beside a produce→consume round-trip probe on the same broker at the same time, in slices.
//
//   npm run bench -- e2e
//   BENCH_RATE=1000 BENCH_SLICES=5 BENCH_SLICE_SECONDS=5 BENCH_STORE=sqlite npm run bench -- e2e
//   BENCH_WARMUP_SECONDS=3 BENCH_DRAIN_SECONDS=30 BENCH_CONCURRENCY=64 BENCH_POLL_MS=5 BENCH_PROBE_MS=5 \
//   npm run bench -- e2e                     # the other knobs, at their defaults
//
// The whole embedded stack runs as `orderflow up` does (startEmbeddedStack: the broker with its default fsync policy
// and the four services, LOG_LEVEL=warn, on free ports in a fresh data directory), on a private non-persistent
// redis-server (bench/lib/redis.ts; REDIS_URL to use another) or, with BENCH_STORE=sqlite, on SQLite files. The run's
// products (createLoadPlan, as `orderflow load` names them) get stock enough for every order through stock-service's
// admin API, so no order is refused for lack of stock; a rejection would count as done all the same.
//
// This process sends POST /orders open-loop (runOpenLoop: arrivals on a fixed timetable, at most BENCH_CONCURRENCY in
// flight) at BENCH_RATE orders/s, and notes when each 202 arrives. An order is done when the groups stock-service,
// notification-service and analytics-service have all committed an offset past its order-created record: each commits
// only after handling a record, so a commit is that service's durable completion. Each record's partition and offset
// come from a consumer of this process on order-topic (a throwaway group, from the latest offset at the start); the
// three groups' committed offsets are read with one OffsetFetch request BENCH_POLL_MS ms after the previous answer,
// and an order is done at the first reading that shows all three past it. Latency = done − 202, so it includes each
// service's commit round trip and up to one polling period. Each group's own 202 → committed latency is printed too,
// to show which consumer the orders wait for.
//
// The reference runs at the same time on the same broker: every BENCH_PROBE_MS ms a producer set up as order-service's
// (the platform's createEventProducer: idempotent, acks=all, no linger) publishes a small record to a probe topic,
// which a platform consumer runner reads; latency = handler call − publish call.
//
// After a warm-up of BENCH_WARMUP_SECONDS s at the full rate (not counted), BENCH_SLICES slices of BENCH_SLICE_SECONDS
// s each; orders and probes belong to the slice they were sent in. After each slice the run waits until the slice's
// accepted orders are done, for at most BENCH_DRAIN_SECONDS s, so one slice's backlog is not the next one's; orders
// still not done then are reported. Per slice: orders' and probe's p50 and p99 and their ratio; the table gives the
// median over slices and the ratio's min/median/max, with the goal: order p99 ≤ 3 × probe p99 (median of slices).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ConsumerGroups, Topics } from '@orderflow/contracts';
import { createEventProducer, createKafkaConnection, type KafkaConnection, startConsumer } from '@orderflow/platform';
import { Admin, Consumer } from '@platformatic/kafka';
import { type EmbeddedStack, startEmbeddedStack } from '../packages/cli/src/load/embedded-stack.ts';
import { HttpClient } from '../packages/cli/src/load/http-client.ts';
import { LatencyRecorder } from '../packages/cli/src/load/latency-recorder.ts';
import { createLoadPlan, type LoadPlan, MAX_QUANTITY } from '../packages/cli/src/load/load-plan.ts';
import { LATE_START_MS, type OpenLoopResult, runOpenLoop } from '../packages/cli/src/load/open-loop.ts';
import { IDEMPOTENCY_KEY_HEADER, problemCode } from '../packages/cli/src/load/order-traffic.ts';
import { findAdminToken, setStock } from '../packages/cli/src/load/stock-setup.ts';
import { silentLog } from './lib/backlog.ts';
import { type CommitPoller, CommitTimeline, pollCommits, type PollStats } from './lib/commit-poller.ts';
import { type BenchRedis, benchRedis } from './lib/redis.ts';
import { comparisonRow, type Goal } from './lib/slices.ts';
import { report, spread } from './results.ts';

const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SLICES = Number(process.env.BENCH_SLICES ?? 5);
const SLICE_SECONDS = Number(process.env.BENCH_SLICE_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const DRAIN_SECONDS = Number(process.env.BENCH_DRAIN_SECONDS ?? 30);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 5);
const PROBE_MS = Number(process.env.BENCH_PROBE_MS ?? 5);
const STORE = process.env.BENCH_STORE ?? 'redis';
const PRODUCTS = 20;
const GOAL_RATIO = 3;
const REQUEST_TIMEOUT_MS = 30_000;
const PROBE_TOPIC = 'bench-e2e-probe';
/** The consumers of order-topic whose work makes an order done. */
const WATCHED_GROUPS = [ConsumerGroups.stock, ConsumerGroups.notification, ConsumerGroups.analytics];

if (STORE !== 'redis' && STORE !== 'sqlite') throw new Error(`BENCH_STORE must be redis or sqlite, got '${STORE}'`);

/** What happened to the orders and probes sent during one slice of load. */
interface Slice {
  readonly name: string;
  /** 202 → all three groups committed past the order's record, ms. */
  readonly orders: LatencyRecorder;
  /** 202 → each group committed past it, in WATCHED_GROUPS order: which consumer the orders waited for. */
  readonly byGroup: readonly LatencyRecorder[];
  /** Publish → consumer handler, ms. */
  readonly probe: LatencyRecorder;
  /** An accepted order's due time on the open loop's timetable → its 202, ms. */
  readonly answers: LatencyRecorder;
  sent: number;
  accepted: number;
  /** 409 OUT_OF_STOCK: refused by order-service, so never on order-topic. */
  rejected: number;
  /** Error answers or none, by status and code. */
  readonly errors: Record<string, number>;
  loop?: OpenLoopResult;
  /** CPU this process used while the slice's load ran, in cores: the load generator's share of the machine. */
  ownCores: number;
  /** Accepted orders still not done when the wait after the slice ended. */
  unfinished: number;
  /**
   * Orders done before their 202 arrived: order-service answers only after the broker's acknowledgement and its own
   * store write, so the consumers can finish first. Their latency is negative and counted as such.
   */
  doneBeforeAccepted: number;
}

function newSlice(name: string): Slice {
  return {
    name,
    orders: new LatencyRecorder(),
    byGroup: WATCHED_GROUPS.map(() => new LatencyRecorder()),
    probe: new LatencyRecorder(),
    answers: new LatencyRecorder(),
    sent: 0,
    accepted: 0,
    rejected: 0,
    errors: {},
    ownCores: 0,
    unfinished: 0,
    doneBeforeAccepted: 0,
  };
}

interface TrackedOrder {
  readonly orderId: string;
  readonly slice: Slice;
  /** When its 202 arrived. */
  acceptedAt?: number;
  /** When a reading first showed each group past its record, in WATCHED_GROUPS order. */
  readonly doneAt: (number | undefined)[];
  /** Its record was seen on order-topic. */
  placed: boolean;
}

interface Probe {
  /** Stops sending, waits for what was sent, stops the consumer; resolves with how many were sent and failed. */
  stop(): Promise<{ sent: number; failures: number }>;
}

/** Publishes a record every PROBE_MS ms and times it to its consumer; samples go to the slice it was sent in. */
async function startProbe(connection: KafkaConnection, currentSlice: () => Slice | undefined): Promise<Probe> {
  const inFlight = new Map<string, { sentAt: number; slice: Slice | undefined }>();
  const runner = await startConsumer({
    connection,
    groupId: `${PROBE_TOPIC}-consumer`,
    topics: [PROBE_TOPIC],
    log: silentLog,
    handler: async (record) => {
      const at = performance.now();
      const id = record.value.toString();
      const probe = inFlight.get(id);
      if (probe === undefined) return;
      inFlight.delete(id);
      probe.slice?.probe.record(at - probe.sentAt);
    },
  });
  // As order-service runs it: the platform's defaults but for the linger, whose KAFKA_LINGER defaults to 0 (adaptive).
  const producer = createEventProducer({ connection, log: silentLog, lingerMs: 0 });
  let sent = 0;
  let failures = 0;
  const timer = setInterval(() => {
    const id = String(sent++);
    inFlight.set(id, { sentAt: performance.now(), slice: currentSlice() });
    // Keyed, so the probes spread over the partitions as the orders do.
    producer.publish(PROBE_TOPIC, { key: id, value: id }).catch(() => {
      failures++;
      inFlight.delete(id);
    });
  }, PROBE_MS);
  return {
    async stop() {
      clearInterval(timer);
      await producer.close();
      // The last probes are left unread: they were sent after the last slice.
      await runner.stop();
      return { sent, failures };
    },
  };
}

/** A consumer of order-topic in a throwaway group, from the latest offset on, telling each order where it landed. */
async function watchOrderRecords(
  bootstrap: string,
  onRecord: (orderId: string, partition: number, offset: number) => void,
): Promise<{ stop(): Promise<void> }> {
  const consumer = new Consumer({
    clientId: 'bench-e2e-orders',
    bootstrapBrokers: [bootstrap],
    groupId: `bench-e2e-orders-${process.pid}`,
    autocommit: false,
    maxWaitTime: 100,
  });
  const stream = await consumer.consume({ topics: [Topics.orders], mode: 'latest', autocommit: false });
  stream.on('data', (message) => {
    if (message.key !== null && message.key !== undefined) {
      onRecord(message.key.toString(), message.partition, Number(message.offset));
    }
  });
  return {
    async stop() {
      await stream.close().catch(() => undefined);
      await consumer.close(true).catch(() => undefined);
    },
  };
}

const interrupted = new AbortController();
let stackToKill: EmbeddedStack | undefined;
let redisToStop: BenchRedis | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted.signal.aborted) {
      // A second signal: do not wait for a graceful stop, but leave nothing running behind. The redis-server gets its
      // SIGTERM synchronously, before stop() waits for it to exit.
      if (stackToKill !== undefined) process.kill(-stackToKill.pid, 'SIGKILL');
      void redisToStop?.stop();
      process.exit(130);
    }
    console.error(`\n${signal}: stopping what this benchmark started`);
    interrupted.abort();
  });
}

async function main(): Promise<void> {
  const redis = STORE === 'redis' ? await benchRedis() : undefined;
  redisToStop = redis;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-e2e-'));
  let stack: EmbeddedStack | undefined;
  try {
    if (redis !== undefined) {
      console.log(`store: Redis at ${redis.url}${redis.private ? ' (private to this run)' : ''}`);
    } else {
      console.log('store: SQLite files in the data directory');
    }
    stack = await startEmbeddedStack({
      dataDir,
      env: { LOG_LEVEL: 'warn', ...(redis === undefined ? {} : { REDIS_URL: redis.url }) },
    });
    stackToKill = stack;
    console.log(`stack up in ${(stack.startupMs / 1000).toFixed(1)} s, broker ${stack.kafka}`);
    await measure(stack, dataDir, redis === undefined ? 'SQLite' : redis.private ? 'a private Redis' : 'Redis');
  } finally {
    const code = await stack?.stop();
    if (code !== undefined && code !== 0) console.error(`orderflow up exited with ${code}:\n${stack?.output()}`);
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (interrupted.signal.aborted) process.exitCode = 130;
}

async function measure(stack: EmbeddedStack, dataDir: string, storeName: string): Promise<void> {
  const connection = createKafkaConnection({ brokers: [stack.kafka], clientId: 'bench-e2e' });
  const admin = new Admin({ clientId: 'bench-e2e-admin', bootstrapBrokers: [stack.kafka] });
  const client = new HttpClient({ maxSockets: CONCURRENCY, timeoutMs: REQUEST_TIMEOUT_MS });
  const plan = createLoadPlan(PRODUCTS);
  const ordersUrl = new URL('/orders', stack.urls['order-service']);
  const timelines = WATCHED_GROUPS.map(() => new CommitTimeline());
  const tracked = new Map<string, TrackedOrder>();
  let current: Slice | undefined;
  let sequence = 0;
  let duplicateRecords = 0;

  const finishIfDone = (order: TrackedOrder) => {
    const { acceptedAt, doneAt, slice } = order;
    if (acceptedAt === undefined || doneAt.some((at) => at === undefined)) return;
    // Done with all three at the first reading that showed the last of them past it.
    const latency = Math.max(...(doneAt as number[])) - acceptedAt;
    slice.orders.record(latency);
    if (latency < 0) slice.doneBeforeAccepted++;
    doneAt.forEach((at, index) => slice.byGroup[index]!.record(at! - acceptedAt));
    tracked.delete(order.orderId);
  };
  const onRecord = (orderId: string, partition: number, offset: number) => {
    const order = tracked.get(orderId);
    if (order === undefined) return;
    // A record written twice (a producer retry) is the same order: the first one is what the consumers handle first.
    if (order.placed) {
      duplicateRecords++;
      return;
    }
    order.placed = true;
    timelines.forEach((timeline, index) =>
      timeline.whenPast(partition, offset, (at) => {
        order.doneAt[index] = at;
        finishIfDone(order);
      }),
    );
  };

  const sendOrder = async (slice: Slice, scheduledAt: number): Promise<void> => {
    const order = plan.order(sequence++);
    const entry: TrackedOrder = {
      orderId: order.orderId,
      slice,
      doneAt: WATCHED_GROUPS.map(() => undefined),
      placed: false,
    };
    // Tracked before sending: its record may be consumed before the 202 arrives.
    tracked.set(order.orderId, entry);
    slice.sent++;
    try {
      const answer = await client.send({
        method: 'POST',
        url: ordersUrl,
        headers: { [IDEMPOTENCY_KEY_HEADER]: order.idempotencyKey },
        body: { orderId: order.orderId, productId: order.productId, quantity: order.quantity },
      });
      if (answer.status === 202) {
        slice.accepted++;
        entry.acceptedAt = performance.now();
        slice.answers.record(entry.acceptedAt - scheduledAt);
        finishIfDone(entry);
        return;
      }
      const code = problemCode(answer);
      if (code === 'OUT_OF_STOCK') {
        slice.rejected++;
      } else {
        const reason = `${answer.status}${code ? ` ${code}` : ''}`;
        slice.errors[reason] = (slice.errors[reason] ?? 0) + 1;
      }
    } catch (error) {
      const reason = (error as { code?: string }).code ?? (error as Error).message;
      slice.errors[reason] = (slice.errors[reason] ?? 0) + 1;
    }
    // Without a 202 there is no start to measure from; a 5xx order may still be handled, and is ignored then.
    if (entry.acceptedAt === undefined) tracked.delete(order.orderId);
  };

  const runSlice = async (slice: Slice, seconds: number): Promise<void> => {
    current = slice;
    const cpuBefore = process.cpuUsage();
    slice.loop = await runOpenLoop({
      rate: RATE,
      durationMs: seconds * 1000,
      concurrency: CONCURRENCY,
      send: (_, scheduledAt) => sendOrder(slice, scheduledAt),
      signal: interrupted.signal,
    });
    current = undefined;
    const cpu = process.cpuUsage(cpuBefore);
    slice.ownCores = (cpu.user + cpu.system) / 1000 / slice.loop.elapsedMs;
    const deadline = performance.now() + DRAIN_SECONDS * 1000;
    while (slice.orders.count < slice.accepted && performance.now() < deadline && !interrupted.signal.aborted) {
      await delay(20);
    }
    slice.unfinished = slice.accepted - slice.orders.count;
  };

  let watcher: { stop(): Promise<void> } | undefined;
  let poller: CommitPoller | undefined;
  let probe: Probe | undefined;
  const slices: Slice[] = [];
  let pollStats: PollStats | undefined;
  let probeStats: Awaited<ReturnType<Probe['stop']>> | undefined;
  try {
    const token = findAdminToken({ ...process.env, ORDERFLOW_DATA_DIR: dataDir });
    if (token === undefined) throw new Error(`no stock admin token in ${dataDir}`);
    // Enough for every order of the run even if all went to one product.
    const totalSeconds = WARMUP_SECONDS + SLICES * SLICE_SECONDS;
    const stock = Math.ceil(RATE * totalSeconds * MAX_QUANTITY);
    await setStock(client, stack.urls['stock-service']!, token, plan.productIds, stock);

    const metadata = await admin.metadata({ topics: [Topics.orders] });
    const partitions = metadata.topics.get(Topics.orders)?.partitionsCount ?? 0;
    if (partitions === 0) throw new Error(`${Topics.orders} has no partitions`);
    watcher = await watchOrderRecords(stack.kafka, onRecord);
    poller = await pollCommits({
      bootstrap: stack.kafka,
      topic: Topics.orders,
      partitions,
      groups: WATCHED_GROUPS,
      timelines,
      intervalMs: POLL_MS,
    });
    probe = await startProbe(connection, () => current);

    console.log(
      `${RATE} orders/s, ${Topics.orders} with ${partitions} partitions; warm-up ${WARMUP_SECONDS} s, then ` +
        `${SLICES} slices of ${SLICE_SECONDS} s`,
    );
    const warmup = newSlice('warm-up');
    await runSlice(warmup, WARMUP_SECONDS);
    console.log(describe(warmup));
    for (let index = 0; index < SLICES && !interrupted.signal.aborted; index++) {
      const slice = newSlice(`slice ${index + 1}/${SLICES}`);
      await runSlice(slice, SLICE_SECONDS);
      slices.push(slice);
      console.log(describe(slice));
    }
  } finally {
    probeStats = await probe?.stop();
    pollStats = await poller?.stop();
    await watcher?.stop();
    await admin.close().catch(() => undefined);
    client.close();
  }
  if (interrupted.signal.aborted) return;
  reportSlices(slices, plan, storeName, pollStats!, probeStats!, duplicateRecords);
}

function ratio(slice: Slice, fraction: number): number {
  return slice.orders.percentile(fraction) / slice.probe.percentile(fraction);
}

function acceptedRate(slice: Slice): number {
  return slice.accepted / (slice.loop!.elapsedMs / 1000);
}

function describe(slice: Slice): string {
  const ms = (recorder: LatencyRecorder, fraction: number) => recorder.percentile(fraction).toFixed(1);
  const errors = Object.values(slice.errors).reduce((sum, n) => sum + n, 0);
  return (
    `${slice.name}: ${slice.accepted}/${slice.sent} accepted (${acceptedRate(slice).toFixed(0)}/s), ` +
    `orders p50 ${ms(slice.orders, 0.5)} p99 ${ms(slice.orders, 0.99)} ms, ` +
    `probe p50 ${ms(slice.probe, 0.5)} p99 ${ms(slice.probe, 0.99)} ms (${slice.probe.count}), ` +
    `p99 ratio ${ratio(slice, 0.99).toFixed(2)}; late starts ${slice.loop!.lateStarts} ` +
    `(peak ${slice.loop!.peakInFlight} in flight), ` +
    `rejected ${slice.rejected}, errors ${errors}, not done ${slice.unfinished}\n  ` +
    `done before the 202 ${slice.doneBeforeAccepted}; ` +
    `POST due → 202 p50 ${ms(slice.answers, 0.5)} p99 ${ms(slice.answers, 0.99)} ms; 202 → committed p50/p99 ` +
    WATCHED_GROUPS.map(
      (group, index) => `${group} ${ms(slice.byGroup[index]!, 0.5)}/${ms(slice.byGroup[index]!, 0.99)}`,
    ).join(', ') +
    ' ms'
  );
}

function reportSlices(
  slices: readonly Slice[],
  plan: LoadPlan,
  storeName: string,
  polls: PollStats,
  probes: { sent: number; failures: number },
  duplicateRecords: number,
): void {
  const median = (values: readonly number[]) => spread(values).median;
  // Orders and their reference are two figures of the same slice, so each side is the list of slices' figures.
  const row = (metric: string, ours: (slice: Slice) => number, reference: (slice: Slice) => number, goal?: Goal) =>
    comparisonRow(metric, { ours: slices.map(ours), reference: slices.map(reference) }, (value) => value, 1, goal);
  const atMost: Goal = { text: `≤ ${GOAL_RATIO}`, met: (value) => value <= GOAL_RATIO };
  const table = {
    headers: ['metric (median of slices)', 'orders', 'reference', 'ratio min', 'ratio median', 'ratio max', 'goal'],
    rows: [
      row(
        'p50 ms, reference: probe',
        (s) => s.orders.percentile(0.5),
        (s) => s.probe.percentile(0.5),
      ),
      row(
        'p99 ms, reference: probe',
        (s) => s.orders.percentile(0.99),
        (s) => s.probe.percentile(0.99),
        atMost,
      ),
      row('accepted/s, reference: target', acceptedRate, () => RATE),
    ],
  };
  const sum = (pick: (slice: Slice) => number) => slices.reduce((total, slice) => total + pick(slice), 0);
  const errors = new Map<string, number>();
  for (const slice of slices) {
    for (const [reason, count] of Object.entries(slice.errors)) errors.set(reason, (errors.get(reason) ?? 0) + count);
  }
  const unfinished = sum((s) => s.unfinished);
  const lateStarts = sum((s) => s.loop!.lateStarts);
  const startDelayP99 = Math.max(...slices.map((s) => s.loop!.startDelay.p99));
  const peakInFlight = Math.max(...slices.map((s) => s.loop!.peakInFlight));
  const medianMs = (pick: (slice: Slice) => LatencyRecorder, fraction: number) =>
    median(slices.map((slice) => pick(slice).percentile(fraction))).toFixed(1);
  const p50AndP99 = (pick: (slice: Slice) => LatencyRecorder) => `${medianMs(pick, 0.5)}/${medianMs(pick, 0.99)} ms`;
  const perGroup = WATCHED_GROUPS.map((group, index) => `${group} ${p50AndP99((s) => s.byGroup[index]!)}`);
  const notes = [
    `${slices.length} slices of ${SLICE_SECONDS} s at ${RATE} orders/s open loop (at most ${CONCURRENCY} requests in ` +
      `flight) after a ${WARMUP_SECONDS} s warm-up; ratios are orders ÷ reference within each slice.`,
    `Orders: ${sum((s) => s.sent)} sent, ${sum((s) => s.accepted)} accepted, ${sum((s) => s.rejected)} refused ` +
      `OUT_OF_STOCK, ${[...errors.values()].reduce((total, n) => total + n, 0)} errors` +
      `${errors.size === 0 ? '' : ` (${[...errors].map(([reason, n]) => `${reason} ${n}`).join(', ')})`}; ` +
      (unfinished === 0
        ? `every accepted order done within the ${DRAIN_SECONDS} s wait after its slice.`
        : `${unfinished} ACCEPTED ORDERS NOT DONE within ${DRAIN_SECONDS} s after their slice.`),
    `Open loop: ${lateStarts} of ${sum((s) => s.loop!.arrivals)} sends started more than ${LATE_START_MS} ms after ` +
      `their due time (worst slice's start-delay p99 ${startDelayP99.toFixed(1)} ms, at most ${peakInFlight} ` +
      `requests in flight: ${peakInFlight < CONCURRENCY ? 'late timers, not a full pipeline' : 'the limit was reached'}); ` +
      'the accepted rate is 202s ÷ the time from the first due time to the last answer. This process (load, record ' +
      `watcher, commit readings, probe) used ${median(slices.map((s) => s.ownCores)).toFixed(2)} cores meanwhile.`,
    'Order latency: from the 202 arriving here to the first reading of the committed offsets of stock-service, ' +
      'notification-service and analytics-service on order-topic that shows all three past the order-created ' +
      'record (OffsetFetch v8 for the three groups straight to the broker, one in flight, ' +
      `${POLL_MS} ms apart: a reading every ${polls.periodMs.toFixed(1)} ms on average, its round trip ` +
      `${polls.roundTripMs.toFixed(1)} ms; ${polls.readings} readings, ${polls.failures} failed): ` +
      "it includes each service's commit round trip and up to one polling period. Per group, 202 → committed " +
      `p50/p99 (median of slices): ${perGroup.join(', ')}; POST from its due time to the 202: ` +
      `${p50AndP99((s) => s.answers)}. ${sum((s) => s.doneBeforeAccepted)} orders were done before their 202 ` +
      "arrived (order-service answers after the broker's acknowledgement and its own store write): negative " +
      'latencies, counted as they are.',
    'Probe: a record of a few bytes every ' +
      `${PROBE_MS} ms (${probes.sent} sent, ${probes.failures} failed) from the platform's createEventProducer as ` +
      'order-service sets it up (idempotent, acks=all, no linger), keyed, to a topic with as many partitions as ' +
      'order-topic, read by the platform consumer runner at the same time on the same broker; latency from ' +
      'publish() to the handler call.',
    `Stack: orderflow up --json (startEmbeddedStack), broker with its default fsync, LOG_LEVEL=warn, store ${storeName}; ` +
      `${PRODUCTS} products of the run (${plan.productIds[0]}…) stocked through stock-service's admin API.` +
      (duplicateRecords === 0 ? '' : ` ${duplicateRecords} order-created records were written twice.`),
  ];
  report({ name: 'e2e', table, notes });
}

await main();
