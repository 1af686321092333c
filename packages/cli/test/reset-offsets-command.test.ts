// `orderflow reset-offsets` through the real CLI process against our broker on a free port: a dry run changes
// nothing, --execute commits what the dry run showed, targets are clamped to the log, a group with active members is
// refused, and bad invocations exit 2.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { startBroker } from '@orderflow/broker';
import { createKafkaConnection, startConsumer } from '@orderflow/platform';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import pino from 'pino';
import { runCli } from './cli-process.ts';

const TOPIC = 'reset-events';
const GROUP = 'reset-group';
const silent = pino({ level: 'silent' });

interface Planned {
  topic: string;
  partition: number;
  current: number | null;
  next: number;
  clamped: string | null;
}

async function startStack(t: TestContext) {
  const dataDir = await mkdtemp(join(tmpdir(), 'orderflow-cli-reset-'));
  const broker = await startBroker({ port: 0, dataDir, log: silent });
  const bootstrapBrokers = [broker.bootstrap];
  const admin = new Admin({ clientId: 'reset-test', bootstrapBrokers });
  const producer = new Producer({ clientId: 'reset-test', bootstrapBrokers, serializers: stringSerializers });
  t.after(async () => {
    await producer.close();
    await admin.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  await admin.createTopics({ topics: [TOPIC], partitions: 2, replicas: 1 });
  // Ten records per partition; the group has processed 8 of partition 0 and 6 of partition 1.
  await producer.send({
    messages: Array.from({ length: 20 }, (_, i) => ({ topic: TOPIC, partition: i % 2, key: `k${i}`, value: `v${i}` })),
  });
  await admin.alterConsumerGroupOffsets({
    groupId: GROUP,
    topics: [
      {
        name: TOPIC,
        partitionOffsets: [
          { partition: 0, offset: 8n },
          { partition: 1, offset: 6n },
        ],
      },
    ],
  });
  const committed = async () => {
    const [offsets] = await admin.listConsumerGroupOffsets({ groups: [GROUP] });
    return Object.fromEntries(
      offsets!.topics.flatMap((topic) => topic.partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)])),
    );
  };
  return { env: { KAFKA_BROKERS: broker.bootstrap }, bootstrap: broker.bootstrap, committed };
}

async function plan(args: readonly string[], env: Record<string, string>): Promise<Planned[]> {
  const result = await runCli(['reset-offsets', GROUP, ...args, '--json'], env);
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { partitions: Planned[] }).partitions;
}

test('a dry run shows current and new offsets and changes nothing; --execute commits them', async (t) => {
  const { env, committed } = await startStack(t);
  const dry = await runCli(['reset-offsets', GROUP, '--to-earliest'], env);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+NEW-OFFSET/);
  assert.match(dry.stdout, new RegExp(`${GROUP}\\s+${TOPIC}\\s+0\\s+8\\s+0`));
  assert.match(dry.stdout, new RegExp(`${GROUP}\\s+${TOPIC}\\s+1\\s+6\\s+0`));
  assert.match(dry.stdout, /dry run: nothing changed/);
  assert.deepEqual(await committed(), { 0: 8, 1: 6 });

  const shifted = await plan(['--shift-by', '-3', '--execute'], env);
  assert.deepEqual(
    shifted.map((p) => [p.partition, p.current, p.next]),
    [
      [0, 8, 5],
      [1, 6, 3],
    ],
  );
  assert.deepEqual(await committed(), { 0: 5, 1: 3 });

  const clamped = await runCli(
    ['reset-offsets', GROUP, '--to-offset', '99', '--topic', `${TOPIC}:1`, '--execute'],
    env,
  );
  assert.equal(clamped.code, 0, clamped.stderr);
  assert.match(clamped.stdout, /reset-events:1: target outside the log, clamped to the latest offset 10/);
  assert.deepEqual(await committed(), { 0: 5, 1: 10 }, 'only partition 1 moved');

  const recent = await plan(['--by-duration', 'PT1H', '--execute'], env);
  assert.deepEqual(
    recent.map((p) => p.next),
    [0, 0],
    'every record is younger than an hour',
  );
  const future = await plan(['--to-datetime', '2999-01-01T00:00:00Z'], env);
  assert.deepEqual(
    future.map((p) => p.next),
    [10, 10],
    'no record that new: the log end',
  );
  assert.deepEqual(await committed(), { 0: 0, 1: 0 });
});

test('a group with active members is refused (exit 1), bad options exit 2', async (t) => {
  const { env, bootstrap } = await startStack(t);
  const runner = await startConsumer({
    connection: createKafkaConnection({ brokers: [bootstrap], clientId: 'reset-member' }),
    groupId: GROUP,
    topics: [TOPIC],
    log: silent,
    handler: async () => {},
  });
  try {
    const refused = await runCli(['reset-offsets', GROUP, '--to-earliest', '--execute'], env);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /is Stable with 1 active member\(s\); Kafka resets only Empty or Dead groups/);
  } finally {
    await runner.stop();
  }
  for (const args of [
    [GROUP],
    [GROUP, '--to-earliest', '--to-latest'],
    [GROUP, '--to-offset', '-1'],
    [GROUP, '--by-duration', '10m'],
    [GROUP, '--to-datetime', 'yesterday'],
    [GROUP, '--to-earliest', '--topic', 'no-such-topic'],
    [GROUP, '--to-earliest', '--topic', `${TOPIC}:7`],
    ['--to-earliest'],
  ]) {
    const result = await runCli(['reset-offsets', ...args], env);
    assert.equal(result.code, 2, `reset-offsets ${args.join(' ')}: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr, /^orderflow reset-offsets: /);
  }
});
