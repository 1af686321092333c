// The console's redrive button runs the code of `orderflow dlq redrive`: against our broker on a free port, the page's
// POST shows the dry run first (nothing sent), then sends the dead letters back to where they came from, and the
// command afterwards sees the same position (nothing left to redrive). An unknown topic is a 404 with a stable code.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { startBroker } from '@orderflow/broker';
import { DeadLetterHeaders } from '@orderflow/platform';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import pino from 'pino';
import { startConsole } from '../src/commands/console.ts';
import { readPartitionOffsets } from '../src/kafka/partition-offsets.ts';
import { runCli } from './cli-process.ts';

const SOURCE = 'redrive-source';
const DLQ = `${SOURCE}.redrive-group.dlq`;

async function startKafka(t: TestContext) {
  const dataDir = await mkdtemp(join(tmpdir(), 'orderflow-console-redrive-'));
  const broker = await startBroker({ port: 0, dataDir, log: pino({ level: 'silent' }) });
  const bootstrapBrokers = [broker.bootstrap];
  const admin = new Admin({ clientId: 'console-redrive-test', bootstrapBrokers });
  const producer = new Producer({ clientId: 'console-redrive-test', bootstrapBrokers, serializers: stringSerializers });
  t.after(async () => {
    await producer.close();
    await admin.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  await admin.createTopics({ topics: [SOURCE, DLQ], partitions: 1, replicas: 1 });
  await producer.send({
    messages: ['order-a', 'order-b'].map((orderId, offset) => ({
      topic: DLQ,
      key: orderId,
      value: JSON.stringify({ orderId }),
      headers: {
        [DeadLetterHeaders.originalTopic]: SOURCE,
        [DeadLetterHeaders.originalPartition]: '0',
        [DeadLetterHeaders.originalOffset]: String(offset),
        [DeadLetterHeaders.consumerGroup]: 'redrive-group',
        [DeadLetterHeaders.errorCode]: 'TEST_POISON',
        [DeadLetterHeaders.errorReason]: 'refused by the test',
      },
    })),
  });
  const sourceRecords = async () => (await readPartitionOffsets(admin, [SOURCE]))[0]!.latest;
  return { bootstrap: broker.bootstrap, sourceRecords };
}

test('console redrive: dry run first, then execution, through the code of orderflow dlq redrive', async (t) => {
  const kafka = await startKafka(t);
  const running = await startConsole({
    env: { KAFKA_BROKERS: kafka.bootstrap, CONSOLE_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
  });
  t.after(() => running.close());
  const redrive = async (topic: string, dryRun: boolean) => {
    const response = await fetch(`${running.url}/api/dead-letters/${encodeURIComponent(topic)}/redrive`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dryRun }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const dryRun = await redrive(DLQ, true);
  assert.deepEqual(dryRun, { status: 200, body: { topic: DLQ, dryRun: true, records: 2, target: SOURCE } });
  assert.equal(await kafka.sourceRecords(), 0, 'a dry run sends nothing');

  const executed = await redrive(DLQ, false);
  assert.deepEqual(executed, { status: 200, body: { topic: DLQ, dryRun: false, records: 2, target: SOURCE } });
  assert.equal(await kafka.sourceRecords(), 2, 'both dead letters went back to their source topic');

  assert.equal((await redrive(DLQ, true)).body.records, 0, 'the position moved past what was redriven');
  const command = await runCli(['dlq', 'redrive', DLQ, '--json'], { KAFKA_BROKERS: kafka.bootstrap });
  assert.equal(command.code, 0, command.stderr);
  const plan = JSON.parse(command.stdout) as { items: { action: string }[] };
  assert.deepEqual(
    plan.items.map((item) => item.action),
    [],
    'orderflow dlq redrive keeps the same position as the page',
  );

  const unknown = await redrive(`${SOURCE}.nobody.dlq`, true);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.code, 'DEAD_LETTER_TOPIC_NOT_FOUND');
});
