// `orderflow console` as a person runs it, against our broker on a free port with a real consumer group: the page's
// event stream shows the group keeping up, then, once the group's only member is gone, the group as dead and its lag
// growing with every record produced. The services are not running here, so every one shows as not ready.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { startBroker } from '@orderflow/broker';
import { EventTypes } from '@orderflow/contracts';
import { Admin, Consumer, Producer, stringSerializers } from '@platformatic/kafka';
import pino from 'pino';
import { openEventStream } from '../../console/test/event-stream-client.ts';
import { freePort } from '../src/load/embedded-stack.ts';
import { runCli, startCli } from './cli-process.ts';

const WAIT_MS = 30_000;
const GROUP = 'notification-service';

async function startKafka(t: TestContext) {
  const dataDir = await mkdtemp(join(tmpdir(), 'orderflow-console-'));
  const broker = await startBroker({ port: 0, dataDir, log: pino({ level: 'silent' }) });
  const bootstrapBrokers = [broker.bootstrap];
  const admin = new Admin({ clientId: 'console-test', bootstrapBrokers });
  const producer = new Producer({ clientId: 'console-test', bootstrapBrokers, serializers: stringSerializers });
  t.after(async () => {
    await producer.close();
    await admin.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  await admin.createTopics({ topics: ['order-topic'], partitions: 3, replicas: 1 });
  let next = 0;
  const produce = async (count: number) => {
    const ids = Array.from({ length: count }, () => `order-${next++}`);
    await producer.send({
      messages: ids.map((orderId) => ({
        topic: 'order-topic',
        key: orderId,
        value: JSON.stringify({ type: EventTypes.orderCreated, data: { orderId } }),
      })),
    });
  };
  return { bootstrap: broker.bootstrap, bootstrapBrokers, produce };
}

test('console: a group that stops is shown dead and its lag rises; dead services are not ready', async (t) => {
  const kafka = await startKafka(t);
  await kafka.produce(3);

  const consumer = new Consumer({
    clientId: GROUP,
    groupId: GROUP,
    bootstrapBrokers: kafka.bootstrapBrokers,
    autocommit: false,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTime: 200,
  });
  t.after(() => consumer.close(true).catch(() => undefined));
  const stream = await consumer.consume({ topics: ['order-topic'], mode: 'earliest', autocommit: false });
  stream.on('data', (message) => message.commit());

  const dead = `http://127.0.0.1:${await freePort()}`;
  const cli = startCli(t, ['console'], {
    KAFKA_BROKERS: kafka.bootstrap,
    CONSOLE_PORT: '0',
    HOST: '127.0.0.1',
    ORDER_SERVICE_URL: dead,
    STOCK_SERVICE_URL: dead,
    NOTIFICATION_SERVICE_URL: dead,
    ANALYTICS_SERVICE_URL: dead,
  });
  await cli.waitForLines((lines) => lines.some((l) => l.includes('"console listening"')), WAIT_MS, 'listening');
  const listening = JSON.parse(cli.lines.find((l) => l.includes('"console listening"'))!) as { url: string };
  const page = await openEventStream(`${listening.url}/events`);
  t.after(() => page.close());

  const groupOf = (state: { groups: readonly { group: string }[] }) =>
    state.groups.find((g) => g.group === GROUP) as
      | { state: string; members: readonly unknown[]; lag: number; partitions: readonly { committed: number | null }[] }
      | undefined;
  const keepingUp = await page.until(
    (s) => {
      const g = groupOf(s);
      return g?.members.length === 1 && g.lag === 0 && g.partitions.reduce((n, p) => n + (p.committed ?? 0), 0) === 3;
    },
    WAIT_MS,
    'the group caught up with 3 records',
  );
  assert.equal(groupOf(keepingUp)?.state, 'Stable');
  assert.equal(keepingUp.topology.topics.find((topic) => topic.name === 'order-topic')?.records, 3);
  for (const service of keepingUp.topology.services) {
    assert.deepEqual([service.name, service.live, service.ready], [service.name, false, false]);
  }

  await stream.close();
  await consumer.close();
  await kafka.produce(4);
  const behind = await page.until(
    (s) => groupOf(s)?.members.length === 0 && groupOf(s)?.lag === 4,
    WAIT_MS,
    'the stopped group 4 records behind',
  );
  assert.equal(groupOf(behind)?.state, 'Empty');
  const samples = behind.lagHistory[GROUP].map((sample) => sample.lag);
  assert.equal(samples[0], 0, 'the chart starts while the group kept up');
  assert.equal(samples.at(-1), 4, 'and ends 4 behind');
  assert.equal(page.events[0].event, 'snapshot');
  assert.ok(page.events.slice(1).every((e) => e.event === 'delta'));
  assert.ok(page.events.length >= 2, 'deltas followed the snapshot');

  page.close();
  assert.deepEqual(await cli.signalAndWait('SIGTERM'), { code: 0, signal: null });
});

test('console --help lists its variables; a bad CONSOLE_PORT or service URL is a usage error', async () => {
  const help = await runCli(['console', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: orderflow console/);
  for (const variable of ['CONSOLE_PORT', 'KAFKA_BROKERS', 'ORDER_SERVICE_URL', 'ANALYTICS_SERVICE_URL']) {
    assert.match(help.stdout, new RegExp(variable));
  }
  const badPort = await runCli(['console'], { CONSOLE_PORT: 'eighty' });
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /^orderflow console: .*CONSOLE_PORT/);
  const badUrl = await runCli(['console'], { STOCK_SERVICE_URL: 'ftp://example' });
  assert.equal(badUrl.code, 2);
  assert.match(badUrl.stderr, /STOCK_SERVICE_URL/);
});
