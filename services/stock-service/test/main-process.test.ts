import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type AnyCloudEvent, createEvent, decodeEvent, EventTypes, eventRecord, Topics } from '@orderflow/contracts';
import {
  closeAfterAll,
  mainProcessFixture,
  readTopics,
  type ServiceProcess,
  temporaryDirectory,
  type TopicReader,
} from '@orderflow/platform/testing';

// main.ts as a process, the way a container runs it (SQLite store): configuration from the environment, seeding on
// the first start only, consuming orders, and a graceful SIGTERM that exits 0.

const TOKEN = 'process-admin-token';
const main = mainProcessFixture(new URL('../src/main.ts', import.meta.url), 'stock-main');
const closeLater = closeAfterAll();
/** One data directory for every start: seeding happens on the first start only. */
let dataDir: string;
let watcher: TopicReader<AnyCloudEvent>;

before(async () => {
  dataDir = closeLater(temporaryDirectory('stock-main-data-')).path;
  const { connection } = await main.brokerStarted;
  watcher = closeLater(await readTopics(connection, [Topics.stock], decodeEvent));
});

async function startService(extraEnv: Record<string, string>): Promise<ServiceProcess & { url: string }> {
  const service = main.start({ ORDERFLOW_DATA_DIR: dataDir, ADMIN_TOKEN: TOKEN, ...extraEnv });
  // Readiness needs the consumer in its group: poll the probe as an orchestrator would.
  return { ...service, url: await service.ready() };
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
  await main.broker.publish(eventRecord(event));
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
  const service = main.start({ ORDERFLOW_DATA_DIR: dataDir, STOCK_SEED: 'A001=lots' });
  assert.equal(await service.exited, 1);
  const stderr = service.stderr();
  assert.equal(stderr.trim(), 'stock-service: STOCK_SEED item "A001=lots" is invalid; expected PRODUCT=UNITS');
});
