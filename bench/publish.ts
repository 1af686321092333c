// Benchmark, not a test: accepted orders per second of order-service (POST /orders, each publishing one order-created
// with acks=all) ÷ a bare loop publishing the same events with the same producer and settings, in alternating slices
// of one run, with the latency of each.
//
//   npm run bench -- publish
//   BENCH_SLICES=5 BENCH_SLICE_SECONDS=5 BENCH_WARMUP_SECONDS=3 BENCH_CONNECTIONS=32 npm run bench -- publish
//   BENCH_BROKER_FSYNC=never npm run bench -- publish   # the broker's --fsync policy; unset keeps its default
//
// The ratio's distance from 1 is what order-service adds to a publish: HTTP, validation, the Redis claim before and
// the completion after, and autocannon's share of the machine. order-service runs as deployed
// (bench/lib/order-service.ts): a process of its own, on our broker in another and a private redis-server (REDIS_URL
// to use another), loaded by autocannon from this process with BENCH_CONNECTIONS connections, each sending a new
// order once its previous one is answered.
//
// The bare loop is this file in its `bare-producer` role, a process of its own with order-service's environment: it
// loads order-service's configuration from it and builds its producer as services/order-service/src/main.ts does
// (createEventProducer on kafkaConnectionFromConfig: idempotent, acks=all, KAFKA_LINGER, KAFKA_PUBLISH_TIMEOUT, the
// same metrics), and publishes what order placement publishes, built by the same orderCreatedRecord
// (services/order-service/src/order-placement.ts) from an order of the same shape and id length, to order-topic.
// BENCH_CONNECTIONS callers each await their publish before the next.
//
// After BENCH_WARMUP_SECONDS s on each (not counted), BENCH_SLICES slices of BENCH_SLICE_SECONDS s on each, who goes
// first alternating; before the other side's turn the run waits until everything the last one started has finished.
// Per slice and side: orders acknowledged (202 answers; acknowledged publishes) per second within the slice, and the
// p50 and p99 of their latency; each ratio is order-service ÷ bare loop within one slice, reported as min/median/max
// over slices (goal: ≥ 0.7 orders/s, median).
import { fileURLToPath } from 'node:url';
import {
  continueTraceparent,
  createEventProducer,
  createLogger,
  createMetrics,
  type EventProducer,
  kafkaConnectionFromConfig,
  loadConfig,
} from '@orderflow/platform';
import { orderServiceConfigSpec, SERVICE_NAME } from '@orderflow/order-service/config';
import { orderCreatedRecord } from '@orderflow/order-service/order-placement';
import * as comparison from './lib/order-service-comparison.ts';
import {
  type BenchOrder,
  type BenchProcess,
  type HttpSlice,
  orderSequence,
  startNodeProcess,
} from './lib/order-service.ts';
import { percentile, turns } from './lib/slices.ts';
import { report } from './results.ts';

const settings = comparison.settingsFromEnv();
const GOAL_RATIO = 0.7;

const self = fileURLToPath(import.meta.url);

interface SliceRequest {
  readonly seconds: number;
  readonly callers: number;
}

interface BareSlice {
  /** Publishes acknowledged within the slice. */
  readonly acknowledged: number;
  /** Publishes acknowledged after the slice ended, started within it. */
  readonly late: number;
  readonly failed: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
  /** The record value's size, the encoded event, of the last publish acknowledged. */
  readonly eventBytes: number;
}

/**
 * What order placement publishes for an accepted order (services/order-service/src/order-placement.ts). Resolves
 * with the size of the record's value once the broker acknowledged it.
 */
async function publishOrderCreated(producer: EventProducer, order: BenchOrder): Promise<number> {
  // The request's span, as order-routes makes one for a request without a traceparent header.
  const traceparent = continueTraceparent(undefined);
  const { record } = orderCreatedRecord({ ...order, createdAt: new Date().toISOString() }, traceparent);
  await producer.publish(record.topic, record);
  return record.value.length;
}

async function publishFor(
  producer: EventProducer,
  nextOrder: () => BenchOrder,
  request: SliceRequest,
): Promise<BareSlice> {
  const latencies: number[] = [];
  let late = 0;
  let failed = 0;
  let eventBytes = 0;
  const started = performance.now();
  const deadline = started + request.seconds * 1000;
  const caller = async () => {
    while (performance.now() < deadline) {
      const sentAt = performance.now();
      try {
        eventBytes = await publishOrderCreated(producer, nextOrder());
      } catch {
        failed += 1;
        continue;
      }
      const at = performance.now();
      // As autocannon counts answers: only those that arrive within the slice.
      if (at <= deadline) latencies.push(at - sentAt);
      else late += 1;
    }
  };
  await Promise.all(Array.from({ length: request.callers }, caller));
  return {
    acknowledged: latencies.length,
    late,
    failed,
    seconds: request.seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    eventBytes,
  };
}

/** The bare loop's process: one producer for the whole run, a slice per message from the benchmark. */
function runBareProducer(): void {
  const config = loadConfig(orderServiceConfigSpec, process.env);
  const log = createLogger({ name: 'bench-bare-producer', level: config.LOG_LEVEL });
  const producer = createEventProducer({
    connection: kafkaConnectionFromConfig(config),
    log,
    metrics: createMetrics({ service: SERVICE_NAME }),
    publishTimeoutMs: config.KAFKA_PUBLISH_TIMEOUT,
    lingerMs: config.KAFKA_LINGER,
  });
  const nextOrder = orderSequence();
  process.on('message', (request: SliceRequest) => {
    void publishFor(producer, nextOrder, request).then((result) => process.send!(result));
  });
  const stop = () => void producer.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  // The benchmark is gone without stopping this process.
  process.once('disconnect', stop);
}

function bareSlice(bare: BenchProcess, request: SliceRequest): Promise<BareSlice> {
  return new Promise((resolve, reject) => {
    const exited = () => {
      bare.child.off('message', answered);
      reject(new Error(`the bare producer exited:\n${bare.output()}`));
    };
    const answered = (result: BareSlice) => {
      bare.child.off('exit', exited);
      resolve(result);
    };
    bare.child.once('exit', exited);
    bare.child.once('message', answered);
    bare.child.send(request);
  });
}

async function measure({ interrupted, stack, topic, load }: comparison.Run): Promise<void> {
  const { slices, sliceSeconds, warmupSeconds, connections } = settings;
  let bare: BenchProcess | undefined;
  try {
    const serviceConfig = loadConfig(orderServiceConfigSpec, { ...process.env, ...stack.env });
    bare = startNodeProcess('bare-producer', [self, 'bare-producer'], { env: stack.env, ipc: true });
    const bareProcess = bare;

    const serviceResults: HttpSlice[] = [];
    const bareResults: BareSlice[] = [];
    const runService = async (seconds: number) => {
      const result = await load(stack.url, seconds);
      stack.service.assertRunning();
      serviceResults.push(result);
      // Requests in flight when autocannon stopped finish before the bare loop's turn, not during it.
      await topic.quiet();
      return result;
    };
    const runBare = async (seconds: number) => {
      const result = await bareSlice(bareProcess, { seconds, callers: connections });
      interrupted.throwIfAborted();
      bareResults.push(result);
      return result;
    };

    console.log(
      `warming up ${warmupSeconds} s each; then ${slices} alternating slices of ${sliceSeconds} s each, ` +
        `${connections} connections and as many publishing callers`,
    );
    // The first publish creates order-topic: order-service's, as it would in production.
    await runService(warmupSeconds);
    await runBare(warmupSeconds);

    const service: comparison.RateSlice[] = [];
    const reference: comparison.RateSlice[] = [];
    for (let slice = 0; slice < slices; slice++) {
      for (const side of turns(slice, 'service', 'bare')) {
        if (side === 'service') {
          service.push(comparison.acceptedRate(await runService(sliceSeconds)));
        } else {
          const result = await runBare(sliceSeconds);
          reference.push({ rate: result.acknowledged / result.seconds, p50: result.p50, p99: result.p99 });
        }
      }
      console.log(
        `slice ${slice + 1}/${slices}: order-service ${service[slice]!.rate.toFixed(0)} orders/s, ` +
          `bare loop ${reference[slice]!.rate.toFixed(0)} publishes/s`,
      );
    }
    const onTopic = await topic.records();

    const sum = <Result>(results: readonly Result[], pick: (result: Result) => number) =>
      results.reduce((total, result) => total + pick(result), 0);
    const table = comparison.table(
      { ours: service, reference },
      { reference: 'bare producer', rate: 'orders acknowledged/s' },
      GOAL_RATIO,
    );
    // Everything acknowledged is on order-topic; nothing beyond what was sent can be.
    const acknowledged = sum(serviceResults, (r) => r.accepted) + sum(bareResults, (r) => r.acknowledged + r.late);
    const sent = sum(serviceResults, (r) => r.sent) + sum(bareResults, (r) => r.acknowledged + r.late + r.failed);
    const notAccepted = sum(serviceResults, (r) => r.other + r.errors);
    const failed = sum(bareResults, (r) => r.failed);
    const notes = [
      `Ratios are order-service ÷ bare loop within each of ${service.length} slices of ${sliceSeconds} s per side, ` +
        `alternating who goes first, after ${warmupSeconds} s of warm-up each; ${connections} autocannon ` +
        `connections in this process against ${connections} callers in the bare producer's, each waiting for its ` +
        'answer before the next.',
      "Latency: order-service's from the request written to its 202 read (autocannon, unrounded); the bare loop's " +
        "from building the event to the broker's acknowledgement.",
      `Bare producer: createEventProducer on kafkaConnectionFromConfig with order-service's configuration and ` +
        `environment (idempotent, acks=all, KAFKA_LINGER ${serviceConfig.KAFKA_LINGER} ms), ` +
        `order-created events of ${bareResults.at(-1)?.eventBytes ?? '?'} bytes keyed by orderId, to order-topic.`,
      `order-service: ${comparison.describeOrderService(settings)} and ` +
        `${stack.redis.private ? 'a private redis-server' : `Redis at ${stack.redis.url}`}, each a child process.`,
      `order-topic holds ${onTopic} records for ${acknowledged} acknowledged and ${sent} sent: ` +
        `${acknowledged <= onTopic && onTopic <= sent ? 'every acknowledged order is there' : 'MISMATCH'}` +
        `${notAccepted === 0 ? '' : `; ${notAccepted} requests not answered 202`}` +
        `${failed === 0 ? '' : `; ${failed} bare publishes failed`}.`,
    ];
    report({ name: 'publish', table, notes });
  } finally {
    await bare?.stop();
  }
}

if (process.argv[2] === 'bare-producer') runBareProducer();
else await comparison.run('publish', settings, measure);
