// Benchmark, not a test: our broker (durable, --fsync batch) next to librdkafka's in-memory mock cluster, produce and
// consume throughput and produce latency at a fixed rate through @platformatic/kafka, in alternating slices.
//
//   npm run bench -- broker
//   BENCH_SLICES=5 BENCH_SLICE_SECONDS=3 npm run bench -- broker
//   BENCH_PROFILE=1 npm run bench -- broker      # --cpu-prof on our broker, hot spots printed, nothing recorded
//   BENCH_BROKER_FSYNC=never npm run bench -- broker   # how much of the difference is waiting for the disk
//
// The mock keeps everything in memory and does no I/O, so it is the floor of what a Kafka broker costs this client:
// whatever our broker spends beyond it is its own. Each broker is a child process, so its CPU is counted apart from
// the client's (this process), and both get the same client with the same settings: an idempotent producer with
// acks=all (-1), which the client limits to one request in flight per connection, so a send carries many records.
//
// In each slice, for each broker in turn (who goes first alternates): produce for BENCH_SLICE_SECONDS with
// BENCH_SENDS_IN_FLIGHT sends of BENCH_RECORDS_PER_SEND records of BENCH_RECORD_BYTES queued on the client; drain
// what that produced with a new consumer group; then produce open-loop at BENCH_LATENCY_RATE records/s, sends
// scheduled from a fixed timetable and each record's latency measured from its scheduled time, so a slow broker
// cannot slow the offered load down and hide its own queueing. Every figure is per slice; ratios are ours / mock's
// within one slice, reported as min/median/max over slices.
//
// The mock is bench/rdkafka-mock-cluster.c, compiled here with cc against the system's librdkafka (librdkafka-dev).
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FsyncPolicy } from '@orderflow/broker';
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import { startBrokerProcess } from './lib/broker-process.ts';
import { startChild, stopChild } from './lib/child-process.ts';
import { formatSummary, summarizeDirectory } from './lib/cpu-profile-summary.ts';
import { cpuSeconds, ownCpuSeconds } from './lib/process-cpu.ts';
import { peakRssMiB, rssMiB } from './lib/process-rss.ts';
import { atLeast, atMost, comparisonRow, type Goal, percentile, turns } from './lib/slices.ts';
import { formatTable, report } from './results.ts';

const SLICES = Number(process.env.BENCH_SLICES ?? 5);
const SLICE_SECONDS = Number(process.env.BENCH_SLICE_SECONDS ?? 3);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 3);
const RECORD_BYTES = Number(process.env.BENCH_RECORD_BYTES ?? 200);
const RECORDS_PER_SEND = Number(process.env.BENCH_RECORDS_PER_SEND ?? 1000);
const SENDS_IN_FLIGHT = Number(process.env.BENCH_SENDS_IN_FLIGHT ?? 4);
const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 5000);
/**
 * The backlog each consumer drains: BACKLOG_PARTITIONS partitions of BACKLOG_PER_PARTITION records. The mock keeps only
 * the newest 5 MiB of each partition in memory and drops older batches, so a partition's share must fit in that
 * (20,000 records of 200 bytes take about 4.3 MB); more partitions make a drain long enough to time.
 */
const BACKLOG_PARTITIONS = Number(process.env.BENCH_BACKLOG_PARTITIONS ?? 24);
const BACKLOG_PER_PARTITION = Number(process.env.BENCH_BACKLOG_PER_PARTITION ?? 20_000);
const BACKLOG = BACKLOG_PARTITIONS * BACKLOG_PER_PARTITION;
const PROFILE = process.env.BENCH_PROFILE === '1';
/** Our broker's --fsync policy; 'batch' is what the figures are for, 'never' shows how much of the gap is the disk. */
const FSYNC = (process.env.BENCH_BROKER_FSYNC ?? 'batch') as FsyncPolicy;
/** A consumer that has not drained its topic by then has lost records: the run fails rather than wait forever. */
const DRAIN_TIMEOUT_MS = 120_000;

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'bench', 'out');
const run = randomUUID().slice(0, 8);
const payload = randomBytes(RECORD_BYTES);

interface TopicPlan {
  readonly name: string;
  readonly partitions: number;
}

interface Target {
  readonly name: string;
  readonly pid: number;
  readonly bootstrap: string;
  stop(): Promise<void>;
}

function compileMock(): string {
  const binary = join(outDir, 'rdkafka-mock-cluster');
  mkdirSync(outDir, { recursive: true });
  const source = join(root, 'bench', 'rdkafka-mock-cluster.c');
  const result = spawnSync('cc', ['-O2', '-Wall', '-Wextra', '-o', binary, source, '-lrdkafka'], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `could not compile ${relative(root, source)} (needs cc and librdkafka-dev):\n${result.error?.message ?? ''}${result.stderr}`,
    );
  }
  return binary;
}

async function startMock(binary: string, topics: readonly TopicPlan[]): Promise<Target> {
  const args = ['1', ...topics.map((topic) => `${topic.name}:${topic.partitions}`)];
  const { child, found } = await startChild(binary, args, (line) => (line.trim() === '' ? undefined : line.trim()));
  return {
    name: 'rdkafka mock',
    pid: child.pid!,
    bootstrap: found,
    // The mock serves until its stdin closes.
    stop: () => stopChild(child, () => child.stdin?.end()),
  };
}

async function startOurs(
  dataDir: string,
  profileDir: string | undefined,
  topics: readonly TopicPlan[],
): Promise<Target> {
  const execArgv = profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir];
  const broker = await startBrokerProcess(dataDir, { fsync: FSYNC, execArgv });
  const admin = new Admin({ clientId: 'bench-admin', bootstrapBrokers: [broker.bootstrap] });
  for (const partitions of new Set(topics.map((topic) => topic.partitions))) {
    const names = topics.filter((topic) => topic.partitions === partitions).map((topic) => topic.name);
    await admin.createTopics({ topics: names, partitions, replicas: 1 });
  }
  await admin.close();
  return { name: 'our broker', pid: broker.pid, bootstrap: broker.bootstrap, stop: () => broker.close() };
}

function newProducer(target: Target): Producer<Buffer, Buffer, Buffer, Buffer> {
  return new Producer({
    clientId: 'bench-producer',
    bootstrapBrokers: [target.bootstrap],
    idempotent: true,
    // -1/-1 asks for a new producer id, as the protocol defines; the client's default 0/0 reads as an epoch bump of
    // producer 0 to a broker, and the mock answers it with UNKNOWN_PRODUCER_ID.
    producerId: -1n,
    producerEpoch: -1,
    acks: -1,
    autocreateTopics: false,
  });
}

/** `count` records spread round-robin over the partitions, from record number `first` on. */
function records(topic: string, count: number, first = 0) {
  return Array.from({ length: count }, (_, i) => ({ topic, value: payload, partition: (first + i) % PARTITIONS }));
}

interface Measured {
  /** Records per second. */
  readonly rate: number;
  readonly records: number;
  /** Broker CPU microseconds per record. */
  readonly brokerCpu: number;
  /** The client's (this process's) CPU use while it measured, in cores: near 1, the client is what limits. */
  readonly clientCores: number;
}

interface Work {
  readonly records: number;
  readonly milliseconds: number;
}

async function measure(target: Target, work: () => Promise<Work>): Promise<Measured> {
  const brokerSeconds = () => cpuSeconds(target.pid) ?? Number.NaN;
  const brokerBefore = brokerSeconds();
  const clientBefore = ownCpuSeconds();
  const { records, milliseconds } = await work();
  const brokerCpu = brokerSeconds() - brokerBefore;
  const clientCpu = ownCpuSeconds() - clientBefore;
  return {
    rate: records / (milliseconds / 1000),
    records,
    brokerCpu: (brokerCpu * 1e6) / Math.max(records, 1),
    clientCores: clientCpu / (milliseconds / 1000),
  };
}

type BenchProducer = Producer<Buffer, Buffer, Buffer, Buffer>;

/** Closed loop, as fast as the broker acknowledges, with SENDS_IN_FLIGHT sends queued on the client at all times. */
async function produceThroughput(target: Target, producer: BenchProducer, topic: string, seconds: number) {
  await producer.metadata({ topics: [topic] });
  const batch = records(topic, RECORDS_PER_SEND);
  return measure(target, async () => {
    const started = performance.now();
    const deadline = started + seconds * 1000;
    let acknowledged = 0;
    let last = started;
    await Promise.all(
      Array.from({ length: SENDS_IN_FLIGHT }, async () => {
        while (performance.now() < deadline) {
          await producer.send({ messages: batch });
          acknowledged += batch.length;
          last = performance.now();
        }
      }),
    );
    return { records: acknowledged, milliseconds: last - started };
  });
}

interface Latency extends Measured {
  readonly p50: number;
  readonly p99: number;
}

/**
 * Open loop: record i is due at start + i / rate whatever happened before it. Every millisecond the records that
 * are due go out in one send, unless a send is still unanswered (the client allows an idempotent producer one request
 * in flight); then they wait and go together in the next, as a producer with linger 0 batches them. A record's
 * latency runs from when it was due to its acknowledgement, so time spent waiting behind a slow send is counted.
 */
async function produceLatency(
  target: Target,
  producer: BenchProducer,
  topic: string,
  seconds: number,
): Promise<Latency> {
  await producer.metadata({ topics: [topic] });
  const total = Math.round(LATENCY_RATE * seconds);
  const interval = 1000 / LATENCY_RATE;
  const latencies = new Float64Array(total);
  const measured = await measure(target, async () => {
    const started = performance.now();
    let issued = 0;
    let acknowledged = 0;
    let sending = false;
    await new Promise<void>((resolve, reject) => {
      const flush = () => {
        if (sending) return;
        const due = Math.min(total, Math.floor((performance.now() - started) / interval) + 1);
        if (due <= issued) return;
        const first = issued;
        issued = due;
        sending = true;
        producer.send({ messages: records(topic, due - first, first) }).then(
          () => {
            const now = performance.now();
            for (let i = first; i < due; i++) latencies[i] = now - (started + i * interval);
            acknowledged += due - first;
            sending = false;
            if (acknowledged === total) {
              clearInterval(ticker);
              resolve();
            } else flush();
          },
          (error: unknown) => {
            clearInterval(ticker);
            reject(error);
          },
        );
      };
      const ticker = setInterval(flush, 1);
    });
    return { records: total, milliseconds: performance.now() - started };
  });
  return { ...measured, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

/**
 * A topic's first and next offsets, summed over its partitions: `end` counts every record ever appended, so it must
 * equal the records acknowledged; `start` above 0 means the broker no longer holds the oldest ones.
 */
async function offsets(target: Target, topic: string): Promise<{ start: number; end: number }> {
  const client = new Consumer({
    clientId: 'bench-offsets',
    groupId: `bench-offsets-${run}`,
    bootstrapBrokers: [target.bootstrap],
  });
  const sum = (found: Map<string, bigint[]>) =>
    (found.get(topic) ?? []).reduce((total, offset) => total + Number(offset), 0);
  try {
    const earliest = -2n;
    return {
      start: sum(await client.listOffsets({ topics: [topic], timestamp: earliest })),
      end: sum(await client.listOffsets({ topics: [topic] })),
    };
  } finally {
    await client.close(true);
  }
}

/**
 * Produces the backlog a consumer drains; not timed. Each send goes to one partition, so the backlog is stored in
 * batches of RECORDS_PER_SEND records, as large as the throughput slices' (the mock's Fetch returns one batch per
 * partition, so small batches would hold it back).
 */
async function fillBacklog(target: Target, producer: BenchProducer, topic: string): Promise<void> {
  await producer.metadata({ topics: [topic] });
  const sends: { partition: number; size: number }[] = [];
  for (let partition = 0; partition < BACKLOG_PARTITIONS; partition++) {
    for (let sent = 0; sent < BACKLOG_PER_PARTITION; sent += RECORDS_PER_SEND) {
      sends.push({ partition, size: Math.min(RECORDS_PER_SEND, BACKLOG_PER_PARTITION - sent) });
    }
  }
  await Promise.all(
    Array.from({ length: SENDS_IN_FLIGHT }, async () => {
      for (let next = sends.shift(); next !== undefined; next = sends.shift()) {
        const { partition, size } = next;
        await producer.send({ messages: Array.from({ length: size }, () => ({ topic, value: payload, partition })) });
      }
    }),
  );
  const count = BACKLOG;
  const held = await offsets(target, topic);
  if (held.start !== 0 || held.end !== count) {
    throw new Error(
      `${target.name} holds offsets ${held.start}..${held.end} of ${topic} after ${count} records were produced` +
        ' (the mock drops batches beyond 5 MiB per partition: lower BENCH_BACKLOG_PER_PARTITION)',
    );
  }
}

/**
 * A new consumer group reads the topic from the start until it has every record. Timed from the group join, which
 * the mock delays by seconds and ours does not, to the last record; the offset lookups and fetches after it count.
 */
async function consumeThroughput(target: Target, topic: string, expected: number): Promise<Measured> {
  const consumer = new Consumer({
    clientId: 'bench-consumer',
    groupId: `bench-${run}-${topic}`,
    bootstrapBrokers: [target.bootstrap],
  });
  try {
    return await measure(target, async () => {
      let joined: number | undefined;
      consumer.on('consumer:group:join', () => {
        joined = performance.now();
      });
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
      let received = 0;
      const last = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`${target.name}: ${received} of ${expected} records of ${topic} after ${DRAIN_TIMEOUT_MS} ms`),
            ),
          DRAIN_TIMEOUT_MS,
        );
        stream.on('data', () => {
          received += 1;
          if (received === expected) {
            clearTimeout(timer);
            resolve(performance.now());
          }
        });
        stream.on('error', (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        });
      });
      await stream.close();
      if (joined === undefined) throw new Error(`${target.name}: the consumer never reported joining its group`);
      return { records: expected, milliseconds: last - joined };
    });
  } finally {
    await consumer.close(true);
  }
}

interface Slice {
  readonly produce: Measured;
  readonly consume: Measured;
  readonly latency: Latency;
}

const perSecond = (value: number) => Math.round(value);
const mb = (recordsPerSecond: number) => (recordsPerSecond * RECORD_BYTES) / 1e6;

function describe(target: Target, slice: Slice): string {
  const { produce, consume, latency } = slice;
  return (
    `  ${target.name.padEnd(13)} produce ${perSecond(produce.rate)}/s (${produce.brokerCpu.toFixed(1)} µs broker CPU/record, ` +
    `client ${produce.clientCores.toFixed(2)} cores) · consume ${perSecond(consume.rate)}/s ` +
    `(${consume.brokerCpu.toFixed(1)} µs/record) · at ${LATENCY_RATE}/s p50 ${latency.p50.toFixed(2)} ms ` +
    `p99 ${latency.p99.toFixed(2)} ms`
  );
}

async function main(): Promise<void> {
  const mockBinary = compileMock();
  const slices = Array.from({ length: SLICES }, (_, slice) => slice);
  const produceTopic = (name: string) => ({ name, partitions: PARTITIONS });
  const backlogTopic = (name: string) => ({ name, partitions: BACKLOG_PARTITIONS });
  const topics: TopicPlan[] = [
    produceTopic('warmup'),
    produceTopic('latency'),
    backlogTopic('backlog-warmup'),
    ...slices.flatMap((slice) => [produceTopic(`produce-${slice}`), backlogTopic(`backlog-${slice}`)]),
  ];
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-broker-'));
  const profileDir = PROFILE ? join(outDir, 'profiles', run) : undefined;
  const targets: Target[] = [];
  const producers = new Map<Target, BenchProducer>();
  try {
    const ours = await startOurs(dataDir, profileDir, topics);
    targets.push(ours);
    const idle = { rss: rssMiB(ours.pid) ?? Number.NaN };
    const mock = await startMock(mockBinary, topics);
    targets.push(mock);
    for (const target of targets) producers.set(target, newProducer(target));

    console.log(
      `our broker (pid ${ours.pid}, --fsync ${FSYNC}, ${dataDir}) and the rdkafka mock (pid ${mock.pid}); ` +
        `${PARTITIONS} partitions, ${RECORD_BYTES}-byte records, ${RECORDS_PER_SEND} per send, ${SENDS_IN_FLIGHT} sends queued`,
    );
    console.log(
      `warming up ${WARMUP_SECONDS} s each, then ${SLICES} slices of ${SLICE_SECONDS} s per broker and measure`,
    );
    for (const target of targets) {
      const producer = producers.get(target)!;
      await produceThroughput(target, producer, 'warmup', WARMUP_SECONDS);
      await produceLatency(target, producer, 'latency', WARMUP_SECONDS);
      await fillBacklog(target, producer, 'backlog-warmup');
      await consumeThroughput(target, 'backlog-warmup', BACKLOG);
    }

    const results = new Map<Target, Slice[]>(targets.map((target) => [target, []]));
    const mismatches: string[] = [];
    for (const slice of slices) {
      const order = turns(slice, ours, mock);
      const topic = `produce-${slice}`;
      const produced = new Map<Target, Measured>();
      const consumed = new Map<Target, Measured>();
      const latencies = new Map<Target, Latency>();
      for (const target of order)
        produced.set(target, await produceThroughput(target, producers.get(target)!, topic, SLICE_SECONDS));
      for (const target of order) {
        const { end } = await offsets(target, topic);
        if (end !== produced.get(target)!.records) {
          mismatches.push(`${target.name} ${topic}: ${produced.get(target)!.records} acknowledged, ${end} appended`);
        }
      }
      for (const target of order) {
        await fillBacklog(target, producers.get(target)!, `backlog-${slice}`);
        consumed.set(target, await consumeThroughput(target, `backlog-${slice}`, BACKLOG));
      }
      for (const target of order)
        latencies.set(target, await produceLatency(target, producers.get(target)!, 'latency', SLICE_SECONDS));
      console.log(`slice ${slice + 1}/${SLICES}`);
      for (const target of targets) {
        const figures = {
          produce: produced.get(target)!,
          consume: consumed.get(target)!,
          latency: latencies.get(target)!,
        };
        results.get(target)!.push(figures);
        console.log(describe(target, figures));
      }
    }
    const after = { rss: rssMiB(ours.pid) ?? Number.NaN, peak: peakRssMiB(ours.pid) ?? Number.NaN };

    for (const producer of producers.values()) await producer.close();
    producers.clear();
    for (const target of targets.splice(0).reverse()) await target.stop();

    const oursSlices = results.get(ours)!;
    const mockSlices = results.get(mock)!;
    const sides = { ours: oursSlices, reference: mockSlices };
    const row = (metric: string, pick: (slice: Slice) => number, digits: number, goal?: Goal) =>
      comparisonRow(metric, sides, pick, digits, goal);
    const table = {
      headers: [
        'metric (median of slices)',
        'our broker',
        'rdkafka mock',
        'ratio min',
        'ratio median',
        'ratio max',
        'goal (median)',
      ],
      rows: [
        row('produce records/s', (s) => s.produce.rate, 0, atLeast(0.8)),
        row('produce MB/s (record payload)', (s) => mb(s.produce.rate), 1, atLeast(0.8)),
        row('consume records/s', (s) => s.consume.rate, 0, atLeast(0.8)),
        row(`produce p50 ms at ${LATENCY_RATE}/s`, (s) => s.latency.p50, 2),
        row(`produce p99 ms at ${LATENCY_RATE}/s`, (s) => s.latency.p99, 2, atMost(2)),
        row('broker CPU µs/record produced', (s) => s.produce.brokerCpu, 1),
        row('broker CPU µs/record consumed', (s) => s.consume.brokerCpu, 1),
        row('client CPU cores while producing', (s) => s.produce.clientCores, 2),
        row('client CPU cores while consuming', (s) => s.consume.clientCores, 2),
      ],
    };
    const notes = [
      `Ratios are ours / mock's within each of ${SLICES} slices of ${SLICE_SECONDS} s per broker, alternating who goes first.`,
      `Our broker: packages/broker/src/bin.ts --fsync ${FSYNC}, fresh data dir in ${tmpdir()}, a child process. ` +
        `RSS (VmRSS): ${idle.rss.toFixed(0)} MiB idle (started, ${topics.length} topics created), ` +
        `${after.rss.toFixed(0)} MiB after the run, peak ${after.peak.toFixed(0)} MiB.`,
      `Client: @platformatic/kafka, idempotent producer, acks=-1, ${PARTITIONS} partitions, ${RECORD_BYTES}-byte values, ` +
        `no key, no compression; throughput with ${RECORDS_PER_SEND} records per send and ${SENDS_IN_FLIGHT} sends queued ` +
        "(one request in flight, the client's limit for an idempotent producer).",
      `Consume: a new consumer group drains a backlog of ${BACKLOG} records (${BACKLOG_PARTITIONS} partitions, batches ` +
        `of ${RECORDS_PER_SEND}) produced in the same slice, timed from the group join to the last record.`,
      "Mock: librdkafka's in-memory mock cluster, 1 broker, which keeps the newest 5 MiB per partition and returns " +
        'one record batch per partition per Fetch; its ListOffsets is held to v3 (see bench/rdkafka-mock-cluster.c).',
      ...(mismatches.length === 0 ? [] : [`RECORD COUNT MISMATCH: ${mismatches.join('; ')}`]),
    ];
    if (profileDir === undefined) {
      report({ name: 'broker', table, notes });
    } else {
      console.log(`\n${formatTable(table)}\n${notes.join('\n')}`);
      console.log("\nBENCH_PROFILE=1: figures include the profiler's overhead, not appended to BENCHMARKS.md\n");
      const summaries = summarizeDirectory(profileDir, { top: 25, inclusiveWithin: '/packages/broker/src/' });
      console.log(summaries.map(formatSummary).join('\n\n'));
    }
  } finally {
    for (const producer of producers.values()) await producer.close().catch(() => undefined);
    for (const target of targets.reverse()) await target.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
