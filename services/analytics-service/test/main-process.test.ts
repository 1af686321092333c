import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RunningBroker, startBroker } from '@orderflow/broker';
import { ConsumerGroups, eventRecord, Topics } from '@orderflow/contracts';
import { createEventProducer, createKafkaConnection } from '@orderflow/platform';
import { Admin } from '@platformatic/kafka';
import { pino } from 'pino';
import { orderCreated } from './events.ts';
import { type ServiceProcess, spawnService, waitUntil } from '@orderflow/platform/testing';

// The service as it is deployed: src/main.ts in its own process, configured by the environment alone (SQLite store,
// our broker), answering HTTP, counting an event, and shutting down cleanly on SIGTERM.

const silent = pino({ level: 'silent' });
const MAIN = new URL('../src/main.ts', import.meta.url);
let broker: RunningBroker;
const dirs: string[] = [];
const services: ServiceProcess[] = [];

before(async () => {
  broker = await startBroker({ port: 0, dataDir: tempDir('analytics-main-broker-'), log: silent });
});

after(async () => {
  for (const { child } of services) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await broker?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

function startService(env: Record<string, string>): ServiceProcess {
  const service = spawnService(MAIN, { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env });
  services.push(service);
  return service;
}

test(
  'main.ts serves, counts from Kafka into SQLite, and exits 0 on SIGTERM after leaving the group',
  {
    timeout: 90_000,
  },
  async () => {
    const dataDir = tempDir('analytics-main-data-');
    const service = startService({ KAFKA_BROKERS: broker.bootstrap, ORDERFLOW_DATA_DIR: dataDir });
    const base = await service.listening;
    await waitUntil(
      'ready',
      () => fetch(`${base}/health/ready`).then((r) => r.status),
      (status) => status === 200,
    );

    const producer = createEventProducer({
      connection: createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'main-test' }),
      log: silent,
    });
    try {
      const event = orderCreated({ orderId: 'o-main', productId: 'A001', quantity: 3 });
      await producer.publish(Topics.orders, eventRecord(event));
    } finally {
      await producer.close();
    }
    const stats = await waitUntil(
      'order counted',
      () => fetch(`${base}/stats`).then((r) => r.json() as Promise<{ totals: { orders: number; quantity: number } }>),
      (body) => body.totals.orders === 1,
    );
    assert.equal(stats.totals.quantity, 3);
    assert.ok(existsSync(join(dataDir, 'analytics-service.sqlite')));

    assert.equal(await service.stop(), 0);
    const messages = service.logs.map((entry) => entry.msg);
    assert.ok(messages.includes('kafka consumer stopped'), `logs: ${JSON.stringify(messages)}`);
    assert.ok(messages.includes('stopped'));
    // It left the group on the way out: the broker holds no member for it, rather than keeping the dead one until
    // its session times out (30 s) with its partitions assigned to nobody.
    const admin = new Admin({ clientId: 'main-test', bootstrapBrokers: [broker.bootstrap] });
    try {
      const groups = await admin.describeGroups({ groups: [ConsumerGroups.analytics] });
      const group = groups.get(ConsumerGroups.analytics);
      assert.equal(group?.state, 'Empty');
      assert.equal(group?.members.size, 0);
    } finally {
      await admin.close();
    }
  },
);

test('main.ts refuses a dedupe retention under 24 h with one line naming the variable, and exits 1', async () => {
  const service = startService({
    KAFKA_BROKERS: broker.bootstrap,
    ORDERFLOW_DATA_DIR: tempDir('analytics-main-data-'),
    ANALYTICS_DEDUPE_RETENTION: '1h',
  });
  assert.equal(await service.exited, 1);
  const stderr = service.stderr();
  assert.match(stderr, /^analytics-service: ANALYTICS_DEDUPE_RETENTION="1h" is invalid; expected a duration/);
  assert.equal(stderr.trim().split('\n').length, 1);
});
