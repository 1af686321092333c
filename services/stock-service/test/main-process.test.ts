import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startBroker } from '@orderflow/broker';
import { type AnyCloudEvent, createEvent, decodeEvent, EventTypes, eventRecord, Topics } from '@orderflow/contracts';
import {
  createEventProducer,
  createKafkaConnection,
  createLogger,
  type EventProducer,
  type KafkaConnection,
} from '@orderflow/platform';
import { readTopics, type ServiceProcess, spawnService, type TopicReader } from '@orderflow/platform/testing';

// main.ts as a process, the way a container runs it (SQLite store): configuration from the environment, seeding on
// the first start only, consuming orders, and a graceful SIGTERM that exits 0.

const MAIN = new URL('../src/main.ts', import.meta.url);
const TOKEN = 'process-admin-token';
const log = createLogger({ name: 'main-test', level: 'silent' });

let dataDir: string;
let brokerDir: string;
let broker: Awaited<ReturnType<typeof startBroker>>;
let connection: KafkaConnection;
let watcher: TopicReader<AnyCloudEvent>;
let orders: EventProducer;
const children = new Set<ChildProcess>();

before(async () => {
  brokerDir = mkdtempSync(join(tmpdir(), 'stock-main-broker-'));
  dataDir = mkdtempSync(join(tmpdir(), 'stock-main-data-'));
  broker = await startBroker({ port: 0, dataDir: brokerDir, log });
  connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'main-test' });
  watcher = await readTopics(connection, [Topics.stock], decodeEvent);
  orders = createEventProducer({ connection, log });
});

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await watcher?.stop();
  await orders?.close();
  await broker?.close();
  rmSync(brokerDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

async function startService(extraEnv: Record<string, string>): Promise<ServiceProcess & { url: string }> {
  const service = spawnService(MAIN, {
    KAFKA_BROKERS: broker.bootstrap,
    ORDERFLOW_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_TOKEN: TOKEN,
    LOG_LEVEL: 'info',
    ...extraEnv,
  });
  children.add(service.child);
  const url = await service.listening;
  // Readiness needs the consumer in its group: poll the probe as an orchestrator would.
  while ((await fetch(`${url}/health/ready`)).status !== 200) await delay(50);
  return { ...service, url };
}

async function stock(url: string): Promise<unknown> {
  return (await fetch(`${url}/stock`)).json();
}

test('main.ts seeds once, reserves orders from Kafka, and stops cleanly on SIGTERM', { timeout: 90_000 }, async () => {
  const service = await startService({ STOCK_SEED: 'A001=10,A002=3' });
  assert.deepEqual(await stock(service.url), {
    products: [
      { productId: 'A001', available: 10 },
      { productId: 'A002', available: 3 },
    ],
  });

  const event = createEvent(
    EventTypes.orderCreated,
    { orderId: 'main-1', productId: 'A001', quantity: 4, createdAt: new Date().toISOString() },
    { source: '/orderflow/order-service' },
  );
  await orders.publish(Topics.orders, eventRecord(event));
  const [result] = await watcher.waitFor(
    (seen) => seen.event?.type === EventTypes.stockReserved && seen.event.data.orderId === 'main-1',
  );
  assert.deepEqual(result!.event!.data, { orderId: 'main-1', productId: 'A001', quantity: 4, remaining: 6 });

  const restock = await fetch(`${service.url}/stock/A002/restock`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ quantity: 7 }),
  });
  assert.equal(restock.status, 200);
  assert.deepEqual(await restock.json(), { productId: 'A002', available: 10 });

  assert.equal(await service.stop(), 0);
  assert.ok(service.logs.some((line) => line.msg === 'kafka consumer stopped'));
  assert.ok(service.logs.some((line) => line.msg === 'stopped'));

  // A restart with another seed keeps what the store holds: seeding happens on the first start only.
  const restarted = await startService({ STOCK_SEED: 'A001=500,B001=1' });
  assert.deepEqual(await stock(restarted.url), {
    products: [
      { productId: 'A001', available: 6 },
      { productId: 'A002', available: 10 },
    ],
  });
  assert.equal(await restarted.stop(), 0);
});

test('a configuration error stops start-up with a one-line message and exit code 1', { timeout: 30_000 }, async () => {
  const service = spawnService(MAIN, { ORDERFLOW_DATA_DIR: dataDir, STOCK_SEED: 'A001=lots' });
  assert.equal(await service.exited, 1);
  const stderr = service.stderr();
  assert.equal(stderr.trim(), 'stock-service: STOCK_SEED item "A001=lots" is invalid; expected PRODUCT=UNITS');
});
