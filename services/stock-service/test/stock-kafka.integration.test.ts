import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  type AnyCloudEvent,
  ConsumerGroups,
  createEvent,
  decodeEvent,
  EventPoisonCodes,
  EventTypes,
  eventRecord,
  Topics,
} from '@orderflow/contracts';
import {
  createEventProducer,
  createLogger,
  createMetrics,
  deadLetterTopic,
  type HttpApp,
  kafkaStatusOf,
  type Store,
  startTraceparent,
  traceIdOf,
} from '@orderflow/platform';
import {
  closeAfterAll,
  type ReadRecord,
  readTopics,
  startTestBroker,
  type TestBroker,
  type TopicReader,
} from '@orderflow/platform/testing';
import { buildApp } from '../src/app.ts';
import { startStockConsumer } from '../src/stock-consumer.ts';
import { createStockMetrics } from '../src/stock-metrics.ts';
import type { StockStore } from '../src/stock-store.ts';
import { backends } from './store-backends.ts';

// The service's pieces wired as main.ts wires them, against our broker, with each store backend: what goes in on
// order-topic and what comes out on stock-topic, as another service would see it.

const log = createLogger({ name: 'stock-it', level: 'silent' });
const TOKEN = 'integration-admin-token';

for (const backend of backends) {
  describe(`stock-service over Kafka with ${backend.name}`, { timeout: 60_000 }, () => {
    const closeLater = closeAfterAll();
    let store: StockStore;
    let platform: Store;
    let app: HttpApp;
    let watcher: TopicReader<AnyCloudEvent>;
    let testBroker: TestBroker;

    before(async () => {
      testBroker = closeLater(await startTestBroker('stock-service'));
      const { connection } = testBroker;
      ({ store, platform } = await closeLater(backend.fresh()).open());
      await store.seed(
        new Map([
          ['A001', 100],
          ['A002', 2],
        ]),
      );
      const producer = closeLater(createEventProducer({ connection, log }));
      const metrics = createMetrics();
      const stockMetrics = createStockMetrics(metrics.registry);
      const consumer = closeLater(
        await startStockConsumer({ connection, store, producer, log, metrics, stockMetrics }),
      );
      const watched = [Topics.stock, deadLetterTopic(Topics.orders, ConsumerGroups.stock)];
      watcher = closeLater(await readTopics(connection, watched, decodeEvent));
      const kafka = kafkaStatusOf(consumer);
      app = closeLater(buildApp({ log, store, producer, metrics, config: { ADMIN_TOKEN: TOKEN }, kafka }));
    });

    function orderCreated(orderId: string, productId: string, quantity: number, traceparent = startTraceparent()) {
      return createEvent(
        EventTypes.orderCreated,
        { orderId, productId, quantity, createdAt: new Date().toISOString() },
        { source: '/orderflow/order-service', traceparent },
      );
    }

    async function publishOrder(event: AnyCloudEvent): Promise<void> {
      await testBroker.publish(eventRecord(event));
    }

    const resultOf = (orderId: string) => (seen: ReadRecord<AnyCloudEvent>) =>
      seen.event !== undefined &&
      (seen.event.type === EventTypes.stockReserved || seen.event.type === EventTypes.stockRejected) &&
      seen.event.data.orderId === orderId;

    async function available(productId: string): Promise<number> {
      const response = await app.inject({ method: 'GET', url: `/stock/${productId}` });
      assert.equal(response.statusCode, 200);
      return (response.json() as { available: number }).available;
    }

    test('an order-created on order-topic yields stock-reserved on stock-topic and decrements the stock', async () => {
      const traceparent = startTraceparent();
      await publishOrder(orderCreated('it-1', 'A001', 3, traceparent));
      const [result] = await watcher.waitFor(resultOf('it-1'));
      assert.equal(result!.event!.type, EventTypes.stockReserved);
      assert.deepEqual(result!.event!.data, { orderId: 'it-1', productId: 'A001', quantity: 3, remaining: 97 });
      assert.equal(result!.key, 'it-1');
      assert.equal(traceIdOf(result!.headers.traceparent), traceIdOf(traceparent));
      assert.equal(await available('A001'), 97);
      const [changed] = await watcher.waitFor(
        (seen) => seen.event?.type === EventTypes.stockChanged && seen.event.id === 'stock-changed:it-1',
      );
      assert.deepEqual(changed!.event!.data, { productId: 'A001', available: 97, reason: 'RESERVED' });
      assert.equal(changed!.key, 'A001');
    });

    test('the same event delivered twice decrements once and publishes the same result twice', async () => {
      const event = orderCreated('it-dup', 'A001', 5);
      const before = await available('A001');
      await publishOrder(event);
      await publishOrder(event);
      const results = await watcher.waitFor(resultOf('it-dup'), 2);
      assert.equal(await available('A001'), before - 5);
      const [first, second] = results.map((seen) => seen.event!);
      assert.equal(first!.type, EventTypes.stockReserved);
      assert.deepEqual(
        { id: second!.id, time: second!.time, type: second!.type, data: second!.data },
        { id: first!.id, time: first!.time, type: first!.type, data: first!.data },
      );
      assert.deepEqual(first!.data, { orderId: 'it-dup', productId: 'A001', quantity: 5, remaining: before - 5 });
    });

    test('an order above the stock and one for an unknown product are rejected with their reason', async () => {
      await publishOrder(orderCreated('it-short', 'A002', 3));
      await publishOrder(orderCreated('it-unknown', 'Z999', 1));
      const [short] = await watcher.waitFor(resultOf('it-short'));
      assert.deepEqual(short!.event!.data, {
        orderId: 'it-short',
        productId: 'A002',
        quantity: 3,
        reason: 'INSUFFICIENT_STOCK',
        available: 2,
      });
      const [unknown] = await watcher.waitFor(resultOf('it-unknown'));
      assert.deepEqual(unknown!.event!.data, {
        orderId: 'it-unknown',
        productId: 'Z999',
        quantity: 1,
        reason: 'UNKNOWN_PRODUCT',
      });
      assert.equal(await available('A002'), 2);
    });

    test('an undecodable record goes to the dead-letter topic and the orders behind it are still served', async () => {
      await testBroker.publish({ topic: Topics.orders, key: 'it-poison', value: '{"garbage":' });
      await publishOrder(orderCreated('it-after-poison', 'A001', 1));
      const [letter] = await watcher.waitFor((seen) => seen.topic.endsWith('.dlq') && seen.key === 'it-poison');
      assert.equal(letter!.headers['dlq-error-code'], EventPoisonCodes.malformedJson);
      await watcher.waitFor(resultOf('it-after-poison'));
    });

    test('a corrupt reservation record dead-letters its redelivered order after one attempt', async () => {
      const event = orderCreated('it-corrupt', 'A001', 1);
      await publishOrder(event);
      await watcher.waitFor(resultOf('it-corrupt'));
      const left = await available('A001');
      await corruptReservation(platform, 'it-corrupt');
      await publishOrder(event);
      const [letter] = await watcher.waitFor((seen) => seen.topic.endsWith('.dlq') && seen.key === 'it-corrupt');
      assert.equal(letter!.headers['dlq-error-code'], 'STORED_RECORD_CORRUPT');
      assert.equal(letter!.headers['dlq-attempts'], '1', 'not retriable: dead-lettered without a retry');
      assert.equal(await available('A001'), left, 'the redelivery changed no stock');
    });

    test('PUT /stock/:productId publishes stock-changed with the new level', async () => {
      const response = await app.inject({
        method: 'PUT',
        url: '/stock/A002',
        headers: { authorization: `Bearer ${TOKEN}` },
        payload: { available: 40 },
      });
      assert.equal(response.statusCode, 200);
      const [changed] = await watcher.waitFor(
        (seen) =>
          seen.event?.type === EventTypes.stockChanged &&
          seen.event.data.productId === 'A002' &&
          seen.event.data.reason === 'ADJUSTED',
      );
      assert.deepEqual(changed!.event!.data, { productId: 'A002', available: 40, reason: 'ADJUSTED' });
      assert.equal(changed!.key, 'A002');
    });

    test('/health/ready is ready with the consumer in its group', async () => {
      const response = await app.inject({ method: 'GET', url: '/health/ready' });
      assert.equal(response.statusCode, 200, response.body);
    });
  });
}

/** Overwrites an order's stored decision with what neither backend ever writes. */
async function corruptReservation(platform: Store, orderId: string): Promise<void> {
  const { backend } = platform;
  if (backend.kind === 'sqlite') {
    backend.db.prepare("UPDATE stock_reservations SET outcome = 'lost' WHERE order_id = ?").run(orderId);
  } else {
    await backend.redis.set(`${backend.keyPrefix}{stock}:reservation:${orderId}`, 'lost');
  }
}
