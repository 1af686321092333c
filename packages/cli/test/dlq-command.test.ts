// `orderflow dlq` through the real CLI process against our broker on a free port, with a real consumer group (the
// platform's consumer runner, as the services run it) that dead-letters what its handler refuses: the poison event
// is listed and shown with its reason, redriven once the cause is fixed, and processed exactly once.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { startBroker } from '@orderflow/broker';
import { createEvent, encodeEvent, EventTypes } from '@orderflow/contracts';
import {
  createEventProducer,
  createKafkaConnection,
  deadLetterTopic,
  type KafkaConnection,
  PoisonEventError,
  startConsumer,
} from '@orderflow/platform';
import { Admin } from '@platformatic/kafka';
import pino from 'pino';
import { runCli } from './cli-process.ts';

const TOPIC = 'dlq-orders';
const GROUP = 'dlq-test-group';
const DLQ = deadLetterTopic(TOPIC, GROUP);
const silent = pino({ level: 'silent' });

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new assert.AssertionError({ message: `timed out waiting for ${what}` });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startStack(t: TestContext) {
  const dataDir = await mkdtemp(join(tmpdir(), 'orderflow-cli-dlq-'));
  const broker = await startBroker({ port: 0, dataDir, log: silent });
  const connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'dlq-test' });
  const admin = new Admin({ clientId: 'dlq-test', bootstrapBrokers: [broker.bootstrap] });
  t.after(async () => {
    await admin.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  await admin.createTopics({ topics: [TOPIC], partitions: 2, replicas: 1 });
  return { env: { KAFKA_BROKERS: broker.bootstrap }, connection, admin };
}

/** A consumer group whose handler refuses the orders in `refused` as poison, and records every order it processed. */
async function startGroup(t: TestContext, connection: KafkaConnection, refused: Set<string>) {
  const processed: { orderId: string; redriveCount: string | undefined }[] = [];
  const runner = await startConsumer({
    connection,
    groupId: GROUP,
    topics: [TOPIC],
    log: silent,
    retry: { initialDelayMs: 5, maxDelayMs: 20 },
    handler: async (record) => {
      const orderId = JSON.parse(record.value.toString('utf8')).data.orderId as string;
      if (refused.has(orderId)) throw new PoisonEventError('PRODUCT_NOT_LISTED', `product of ${orderId} is not listed`);
      processed.push({ orderId, redriveCount: record.headers['redrive-count'] });
    },
  });
  t.after(() => runner.stop());
  return { processed, runner };
}

async function publishOrders(connection: KafkaConnection, orderIds: readonly string[]): Promise<void> {
  const producer = createEventProducer({ connection, log: silent });
  try {
    for (const orderId of orderIds) {
      const event = createEvent(
        EventTypes.orderCreated,
        { orderId, productId: 'A001', quantity: 1, createdAt: new Date().toISOString() },
        {
          source: '/test',
        },
      );
      await producer.publish(TOPIC, { key: orderId, value: encodeEvent(event) });
    }
  } finally {
    await producer.close();
  }
}

async function cliJson(args: readonly string[], env: Record<string, string>) {
  const result = await runCli(args, env);
  assert.equal(result.code, 0, `orderflow ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

test('dlq list and show report the dead letters of a group with their origin, reason and decoded event', async (t) => {
  const { env, connection } = await startStack(t);
  const { processed } = await startGroup(t, connection, new Set(['o-bad']));
  await publishOrders(connection, ['o-1', 'o-bad', 'o-2']);
  await until('o-1 and o-2 processed', () => (processed.length === 2 ? true : undefined));

  const listed = await until('the dead letter listed', async () => {
    const report = await cliJson(['dlq', 'list', '--json'], env);
    return report.topics.find((topic: { topic: string; records: number }) => topic.topic === DLQ && topic.records > 0);
  });
  assert.equal(listed.records, 1);
  assert.deepEqual(listed.errorCodes, { PRODUCT_NOT_LISTED: 1 });
  assert.ok(Date.parse(listed.oldest) <= Date.parse(listed.newest));

  const shown = await cliJson(['dlq', 'show', DLQ, '--json'], env);
  assert.equal(shown.deadLetters.length, 1);
  const [letter] = shown.deadLetters;
  assert.equal(letter.originalTopic, TOPIC);
  assert.equal(letter.consumerGroup, GROUP);
  assert.equal(letter.errorCode, 'PRODUCT_NOT_LISTED');
  assert.equal(letter.errorMessage, 'product of o-bad is not listed');
  assert.equal(letter.attempts, 1, 'poison is not retried');
  assert.equal(letter.key, 'o-bad');
  assert.equal(letter.event.type, EventTypes.orderCreated);
  assert.equal(letter.event.data.orderId, 'o-bad');
  assert.equal(letter.redriveCount, 0);

  const table = await runCli(['dlq', 'list'], env);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`${DLQ.replaceAll('.', '\\.')}\\s+1\\s.*PRODUCT_NOT_LISTED=1`));
  const human = await runCli(['dlq', 'show', DLQ], env);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /product of o-bad is not listed/);
});

test('dlq redrive is a dry run until --execute, then the fixed event is processed once and never redriven again', async (t) => {
  const { env, connection } = await startStack(t);
  const refused = new Set(['o-bad']);
  const { processed } = await startGroup(t, connection, refused);
  await publishOrders(connection, ['o-bad', 'o-ok']);
  await until('o-ok processed', () => (processed.some((p) => p.orderId === 'o-ok') ? true : undefined));
  await until('o-bad dead-lettered', async () => {
    const shown = await cliJson(['dlq', 'show', DLQ, '--json'], env);
    return shown.deadLetters.length === 1 ? true : undefined;
  });

  const dry = await cliJson(['dlq', 'redrive', DLQ, '--json'], env);
  assert.equal(dry.executed, false);
  assert.deepEqual(
    dry.items.map((item: { action: string; key: string }) => [item.action, item.key]),
    [['redrive', 'o-bad']],
  );
  const dryTable = await runCli(['dlq', 'redrive', DLQ], env);
  assert.match(dryTable.stdout, /dry run: 1 dead letter\(s\) .* would be redriven/);
  assert.ok(!processed.some((p) => p.orderId === 'o-bad'), 'a dry run publishes nothing');

  refused.clear(); // the cause is fixed
  const done = await cliJson(['dlq', 'redrive', DLQ, '--execute', '--json'], env);
  assert.equal(done.redriven, 1);
  const redriven = await until('o-bad processed after the redrive', () => processed.find((p) => p.orderId === 'o-bad'));
  assert.equal(redriven.redriveCount, '1', 'the redriven record says it was redriven once');

  const again = await cliJson(['dlq', 'redrive', DLQ, '--execute', '--json'], env);
  assert.equal(again.redriven, 0, 'a second plain redrive sends nothing');
  assert.deepEqual(again.items, []);
  const [position] = dry.items;
  const explicit = await cliJson(
    ['dlq', 'redrive', DLQ, '--offset', `${position.partition}:${position.offset}`, '--json'],
    env,
  );
  assert.deepEqual(
    explicit.items.map((item: { action: string }) => item.action),
    ['redriven-before'],
  );
  await publishOrders(connection, ['o-after']);
  await until('o-after processed', () => (processed.some((p) => p.orderId === 'o-after') ? true : undefined));
  assert.equal(processed.filter((p) => p.orderId === 'o-bad').length, 1, 'processed exactly once');
});

test('dlq rejects bad invocations with usage (exit 2) and unknown topics with a reason (exit 1)', async (t) => {
  const { env } = await startStack(t);
  for (const args of [
    ['dlq'],
    ['dlq', 'purge', DLQ],
    ['dlq', 'show'],
    ['dlq', 'show', TOPIC],
    ['dlq', 'redrive', DLQ, '--offset', 'seven'],
    ['dlq', 'list', '--execute'],
  ]) {
    const result = await runCli(args, env);
    assert.equal(result.code, 2, `orderflow ${args.join(' ')}: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr, /^orderflow dlq/);
  }
  const missing = await runCli(['dlq', 'show', 'nothing.here.dlq'], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no dead-letter topic 'nothing\.here\.dlq'/);
  const help = await runCli(['dlq', '--help'], env);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /orderflow dlq redrive <topic>/);
});
