// tail, topics and groups against our broker on a free port, with records produced by a real client: what a person
// would check with kafka-console-consumer, kafka-get-offsets and kafka-consumer-groups.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { startBroker } from '@orderflow/broker';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import pino from 'pino';
import { runCli, startCli } from './cli-process.ts';

const TOPIC = 'cli-events';
const PARTITIONS = 3;
const WAIT_MS = 30_000;

interface Line {
  topic: string;
  partition: number;
  offset: number;
  timestamp: string;
  key?: string | null;
  headers: Record<string, string>;
  value: unknown;
}

async function startStack(t: TestContext) {
  const dataDir = await mkdtemp(join(tmpdir(), 'orderflow-cli-kafka-'));
  const broker = await startBroker({ port: 0, dataDir, log: pino({ level: 'silent' }) });
  const bootstrapBrokers = [broker.bootstrap];
  const admin = new Admin({ clientId: 'cli-test', bootstrapBrokers });
  const producer = new Producer({ clientId: 'cli-test', bootstrapBrokers, serializers: stringSerializers });
  t.after(async () => {
    await producer.close();
    await admin.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  await admin.createTopics({ topics: [TOPIC], partitions: PARTITIONS, replicas: 1 });
  /** Record i goes to partition i % 3, keyed `order-<i>`; the value is JSON except for i = 4, which is plain text. */
  const produce = async (from: number, count: number) => {
    const indexes = Array.from({ length: count }, (_, n) => from + n);
    await producer.send({
      messages: indexes.map((i) => ({
        topic: TOPIC,
        partition: i % PARTITIONS,
        key: `order-${i}`,
        value: i === 4 ? 'not json at all' : JSON.stringify({ orderId: String(i), quantity: i }),
        headers: { 'content-type': i === 4 ? 'text/plain' : 'application/json', seq: String(i) },
      })),
    });
  };
  return { env: { KAFKA_BROKERS: broker.bootstrap }, admin, produce };
}

function parse(lines: readonly string[]): Line[] {
  return lines.map((line) => JSON.parse(line) as Line);
}

test('tail --from-beginning prints every record as one JSON line and exits 0 on SIGINT, leaving no group', async (t) => {
  const { env, admin, produce } = await startStack(t);
  await produce(0, 5);

  const tail = startCli(t, ['tail', TOPIC, '--from-beginning', '--key'], env);
  await tail.waitForLines((lines) => lines.length >= 5, WAIT_MS, 'five records');
  const throwaway = [...(await admin.listGroups()).keys()].filter((group) => group.startsWith('orderflow-tail-'));
  assert.equal(throwaway.length, 1, 'the tail reads in a group of its own');
  const [offsets] = await admin.listConsumerGroupOffsets({ groups: throwaway });
  const committed = offsets.topics.flatMap((topic) => topic.partitions).filter((p) => p.committedOffset >= 0n);
  assert.deepEqual(committed, [], 'and commits nothing there');
  const ended = await tail.signalAndWait('SIGINT');
  assert.deepEqual(ended, { code: 0, signal: null }, tail.stderr());

  const records = parse(tail.lines).sort((a, b) => a.key!.localeCompare(b.key!));
  assert.equal(records.length, 5, 'each record once');
  for (const [i, record] of records.entries()) {
    assert.equal(record.topic, TOPIC);
    assert.equal(record.key, `order-${i}`);
    assert.equal(record.partition, i % PARTITIONS);
    assert.equal(record.offset, Math.floor(i / PARTITIONS), 'offsets count up per partition');
    assert.equal(record.headers.seq, String(i));
    assert.ok(!Number.isNaN(Date.parse(record.timestamp)), `an ISO timestamp, got ${record.timestamp}`);
  }
  assert.deepEqual(records[0].value, { orderId: '0', quantity: 0 }, 'a JSON value is printed as JSON');
  assert.equal(records[4].value, 'not json at all', 'anything else as text');

  const groups = [...(await admin.listGroups()).keys()];
  assert.deepEqual(
    groups.filter((group) => group.startsWith('orderflow-tail-')),
    [],
    'the throwaway group is gone',
  );
});

test('tail prints the key only with --key', async (t) => {
  const { env, produce } = await startStack(t);
  await produce(0, 1);
  const tail = startCli(t, ['tail', TOPIC, '--from-beginning'], env);
  await tail.waitForLines((lines) => lines.length >= 1, WAIT_MS, 'one record');
  assert.equal((await tail.signalAndWait('SIGTERM')).code, 0, tail.stderr());
  assert.equal('key' in parse(tail.lines)[0], false);
});

test('tail of a topic that does not exist names it and exits 1', async (t) => {
  const { env } = await startStack(t);
  const result = await runCli(['tail', 'no-such-topic'], env);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /no topic 'no-such-topic'.*\(topics: cli-events\)/);
});

test('topics --json shows each partition with its earliest and latest offset and message count', async (t) => {
  const { env, produce } = await startStack(t);
  await produce(0, 5);
  const result = await runCli(['topics', '--json'], env);
  assert.equal(result.code, 0, result.stderr);
  const { topics } = JSON.parse(result.stdout) as { topics: { name: string; messages: number; partitions: [] }[] };
  assert.deepEqual(
    topics.find((topic) => topic.name === TOPIC),
    {
      name: TOPIC,
      messages: 5,
      partitions: [
        { partition: 0, earliest: 0, latest: 2, messages: 2 },
        { partition: 1, earliest: 0, latest: 2, messages: 2 },
        { partition: 2, earliest: 0, latest: 1, messages: 1 },
      ],
    },
  );

  const table = await runCli(['topics'], env);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^TOPIC\s+PARTITION\s+EARLIEST\s+LATEST\s+MESSAGES$/m);
  assert.match(table.stdout, /^cli-events\s+1\s+0\s+2\s+2$/m);
});

interface GroupJson {
  group: string;
  state: string;
  members: { id: string; assignments: { topic: string; partitions: number[] }[] }[];
  partitions: { topic: string; partition: number; committed: number | null; latest: number; lag: number | null }[];
  lag: number;
}

async function describeGroup(env: Record<string, string>, group: string): Promise<GroupJson> {
  const result = await runCli(['groups', group, '--json'], env);
  assert.equal(result.code, 0, result.stderr);
  const { groups } = JSON.parse(result.stdout) as { groups: GroupJson[] };
  assert.equal(groups.length, 1);
  return groups[0];
}

test('tail --group commits what it printed; groups shows the members, assignments, offsets and lag', async (t) => {
  const { env, produce } = await startStack(t);
  await produce(0, 5);

  const first = startCli(t, ['tail', TOPIC, '--from-beginning', '--group', 'watchers'], env);
  await first.waitForLines((lines) => lines.length >= 5, WAIT_MS, 'five records');
  const live = await describeGroup(env, 'watchers');
  assert.equal(live.state, 'Stable');
  assert.equal(live.members.length, 1);
  assert.deepEqual(live.members[0].assignments, [{ topic: TOPIC, partitions: [0, 1, 2] }]);
  assert.equal((await first.signalAndWait('SIGINT')).code, 0, first.stderr());

  const caughtUp = await describeGroup(env, 'watchers');
  assert.equal(caughtUp.state, 'Empty', 'the tail left the group');
  assert.deepEqual(
    caughtUp.partitions.map(({ partition, committed, latest, lag }) => ({ partition, committed, latest, lag })),
    [
      { partition: 0, committed: 2, latest: 2, lag: 0 },
      { partition: 1, committed: 2, latest: 2, lag: 0 },
      { partition: 2, committed: 1, latest: 1, lag: 0 },
    ],
  );

  // Record 5 lands on partition 2, record 6 on partition 0.
  await produce(5, 2);
  const behind = await describeGroup(env, 'watchers');
  assert.equal(behind.lag, 2);
  assert.deepEqual(
    behind.partitions.map(({ partition, lag }) => ({ partition, lag })),
    [
      { partition: 0, lag: 1 },
      { partition: 1, lag: 0 },
      { partition: 2, lag: 1 },
    ],
  );

  // The next run in the same group continues where the first one stopped.
  const second = startCli(t, ['tail', TOPIC, '--group', 'watchers', '--key'], env);
  await second.waitForLines((lines) => lines.length >= 2, WAIT_MS, 'the two new records');
  assert.equal((await second.signalAndWait('SIGINT')).code, 0, second.stderr());
  assert.deepEqual(
    parse(second.lines)
      .map((line) => line.key)
      .sort(),
    ['order-5', 'order-6'],
  );

  const table = await runCli(['groups'], env);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^GROUP watchers {2}Empty, 0 members, lag 0$/m);
  assert.match(table.stdout, /^ {2}cli-events\s+2\s+2\s+2\s+0\s+-$/m);
});

test('groups names a group that does not exist and exits 1', async (t) => {
  const { env } = await startStack(t);
  const result = await runCli(['groups', 'nobody'], env);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /no consumer group 'nobody'/);
});
