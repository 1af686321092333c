import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startBroker } from '@orderflow/broker';
import { createEvent, EventTypes, encodeEvent, Topics } from '@orderflow/contracts';
import {
  createEventProducer,
  createKafkaConnection,
  createLogger,
  type EventProducer,
  type KafkaConnection,
} from '@orderflow/platform';
import { type TopicWatcher, watchTopics } from './stock-topic-watcher.ts';

// main.ts as a process, the way a container runs it (SQLite store): configuration from the environment, seeding on
// the first start only, consuming orders, and a graceful SIGTERM that exits 0.

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const TOKEN = 'process-admin-token';
const log = createLogger({ name: 'main-test', level: 'silent' });

let dataDir: string;
let brokerDir: string;
let broker: Awaited<ReturnType<typeof startBroker>>;
let connection: KafkaConnection;
let watcher: TopicWatcher;
let orders: EventProducer;
const children = new Set<ChildProcess>();

before(async () => {
  brokerDir = mkdtempSync(join(tmpdir(), 'stock-main-broker-'));
  dataDir = mkdtempSync(join(tmpdir(), 'stock-main-data-'));
  broker = await startBroker({ port: 0, dataDir: brokerDir, log });
  connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'main-test' });
  watcher = await watchTopics(connection, [Topics.stock]);
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

interface Service {
  readonly url: string;
  readonly lines: Record<string, unknown>[];
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

async function startService(extraEnv: Record<string, string>): Promise<Service> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    KAFKA_BROKERS: broker.bootstrap,
    ORDERFLOW_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_TOKEN: TOKEN,
    LOG_LEVEL: 'info',
    ...extraEnv,
  };
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const lines: Record<string, unknown>[] = [];
  const listening = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      lines.push(entry);
      const match = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(String(entry.msg));
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`stock-service exited with ${code} before listening`)));
  });
  const url = await listening;
  // Readiness needs the consumer in its group: poll the probe as an orchestrator would.
  while ((await fetch(`${url}/health/ready`)).status !== 200) await delay(50);
  return {
    url,
    lines,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      children.delete(child);
      return code;
    },
  };
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
  await orders.publish(Topics.orders, { key: 'main-1', value: encodeEvent(event) });
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
  assert.ok(service.lines.some((line) => line.msg === 'kafka consumer stopped'));
  assert.ok(service.lines.some((line) => line.msg === 'stopped'));

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
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ORDERFLOW_DATA_DIR: dataDir, STOCK_SEED: 'A001=lots' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = await once(child, 'exit');
  children.delete(child);
  assert.equal(code, 1);
  assert.equal(stderr.trim(), 'stock-service: STOCK_SEED item "A001=lots" is invalid; expected PRODUCT=UNITS');
});
