import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningBroker, startBroker } from '@orderflow/broker';
import {
  type AnyCloudEvent,
  ConsumerGroups,
  decodeEvent,
  EventTypes,
  eventRecord,
  Topics,
  validateEvent,
} from '@orderflow/contracts';
import {
  type ConsumerRunner,
  createEventProducer,
  createKafkaConnection,
  createLogger,
  createMetrics,
  type EventProducer,
  type HttpApp,
  type KafkaConnection,
  kafkaStatusOf,
  startConsumer,
} from '@orderflow/platform';
import { readTopics, type TopicReader, waitUntil } from '@orderflow/platform/testing';
import { buildApp } from '../src/app.ts';
import type { Order } from '../src/order.ts';
import type { OrderStore } from '../src/order-store.ts';
import { createStockEventHandler } from '../src/stock-event-handler.ts';
import { confirmedOrder } from './support/expected-orders.ts';
import { stockChanged, stockReserved } from './support/stock-records.ts';
import { backends, requestKeys, type TestStore } from './support/test-backends.ts';

// order-service wired as main.ts wires it (real producer, real stock-topic consumer, a real store), against our
// broker, driven through inject(). Each backend gets a broker of its own so their consumer groups stay apart.

const silent = createLogger({ name: 'broker', level: 'silent' });
const settings = { IDEMPOTENCY_TTL: 86_400_000, KAFKA_PUBLISH_TIMEOUT: 3000 };
const TIMEOUT = 60_000;

for (const backend of backends) {
  describe(`order-service with our broker and ${backend.name}`, { timeout: 4 * TIMEOUT }, () => {
    let data: TestStore;
    let dataDir: string;
    let broker: RunningBroker;
    let connection: KafkaConnection;
    let producer: EventProducer;
    let stockProducer: EventProducer;
    let consumer: ConsumerRunner;
    let orders: OrderStore;
    let app: HttpApp;
    let orderTopic: TopicReader<AnyCloudEvent>;

    before(async () => {
      data = backend.fresh();
      dataDir = mkdtempSync(join(tmpdir(), 'order-service-broker-'));
      broker = await startBroker({ port: 0, dataDir, log: silent });
      connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'order-service-test' });
      ({ store: orders } = await data.open());
      const log = createLogger({ name: 'order-service-it', level: 'silent' });
      producer = createEventProducer({ connection, log, publishTimeoutMs: settings.KAFKA_PUBLISH_TIMEOUT });
      stockProducer = createEventProducer({ connection, log });
      consumer = await startConsumer({
        connection,
        groupId: ConsumerGroups.order,
        topics: [Topics.stock],
        handler: createStockEventHandler(orders),
        log,
        maxWaitMs: 100,
      });
      app = buildApp({
        log,
        store: orders,
        producer,
        kafka: kafkaStatusOf(consumer),
        metrics: createMetrics(),
        settings,
      });
      await app.ready();
      orderTopic = await readTopics(connection, [Topics.orders], decodeEvent);
    });

    after(async () => {
      await app?.close();
      await orderTopic?.stop();
      await consumer?.stop();
      await producer?.close();
      await stockProducer?.close();
      await broker?.close();
      await data?.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const post = (payload: object, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url: '/orders', payload, headers });

    test(
      'a POST puts an order-created CloudEvent keyed by the order id on order-topic',
      {
        timeout: TIMEOUT,
      },
      async () => {
        const orderId = `it-${randomUUID()}`;
        const response = await post({ orderId, productId: 'A001', quantity: 2, customerId: 'c-7' });
        assert.equal(response.statusCode, 202);
        const order = response.json() as Order;

        const [record] = await orderTopic.waitFor((r) => r.key === orderId);
        assert.equal(record.headers['content-type'], 'application/cloudevents+json; charset=UTF-8');
        assert.ok(record.event, 'the value is a valid event');
        assert.ok(validateEvent(record.event).ok);
        assert.equal(record.event.type, EventTypes.orderCreated);
        assert.equal(record.event.source, '/orderflow/order-service');
        assert.deepEqual(record.event.data, {
          orderId,
          productId: 'A001',
          quantity: 2,
          customerId: 'c-7',
          createdAt: order.createdAt,
        });
        assert.equal(record.headers.traceparent?.split('-')[1], record.event.traceparent?.split('-')[1]);
      },
    );

    test('20 concurrent POSTs with one Idempotency-Key yield exactly one event', { timeout: TIMEOUT }, async () => {
      const key = randomUUID();
      const customerId = `c-${randomUUID()}`;
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          post({ productId: 'A001', quantity: 1, customerId }, { 'idempotency-key': key }),
        ),
      );
      const statuses = responses.map((r) => r.statusCode);
      assert.ok(
        statuses.every((s) => s === 202 || s === 409),
        `202 or 409 only: ${statuses}`,
      );
      const accepted = responses.filter((r) => r.statusCode === 202 && r.headers['idempotent-replayed'] === undefined);
      assert.equal(accepted.length, 1, 'one request ran');
      const orderIds = new Set(responses.filter((r) => r.statusCode === 202).map((r) => r.json().orderId));
      assert.equal(orderIds.size, 1, 'every 202 names the same order');
      for (const busy of responses.filter((r) => r.statusCode === 409)) {
        assert.equal(busy.json().code, 'REQUEST_IN_PROGRESS');
      }

      await orderTopic.caughtUp();
      const events = orderTopic.records.filter(
        (r) => r.event?.type === EventTypes.orderCreated && r.event.data.customerId === customerId,
      );
      assert.equal(events.length, 1);
      assert.equal(events[0]!.key, [...orderIds][0]);
    });

    test(
      'stock-reserved on stock-topic confirms the order; GET shows CONFIRMED with its history',
      {
        timeout: TIMEOUT,
      },
      async () => {
        const order = (await post({ productId: 'A002', quantity: 3 })).json() as Order;
        const reserved = stockReserved(order.orderId, 'A002', 3, 17);
        await stockProducer.publish(Topics.stock, eventRecord(reserved));

        const response = await waitUntil(
          'the order decided',
          () => app.inject({ method: 'GET', url: `/orders/${order.orderId}` }),
          (r) => r.json().status !== 'PENDING',
        );
        assert.equal(response.statusCode, 200);
        assert.deepEqual(response.json(), confirmedOrder(order, { at: reserved.time, eventId: reserved.id }));
      },
    );

    test('stock-changed to 0 makes POST answer 409 OUT_OF_STOCK without publishing', { timeout: TIMEOUT }, async () => {
      const productId = `SOLD-${randomUUID().slice(0, 8)}`;
      const soldOut = stockChanged(productId, 0);
      await stockProducer.publish(Topics.stock, eventRecord(soldOut));
      await waitUntil(
        'availability 0 learned',
        () => orders.availability(productId),
        (available) => available === 0,
      );
      const customerId = `c-${randomUUID()}`;
      const refused = await post({ productId, quantity: 1, customerId });
      assert.equal(refused.statusCode, 409);
      assert.equal(refused.json().code, 'OUT_OF_STOCK');
      await orderTopic.caughtUp();
      assert.equal(
        orderTopic.records.filter(
          (r) => r.event?.type === EventTypes.orderCreated && r.event.data.customerId === customerId,
        ).length,
        0,
      );
    });

    test(
      'with the broker stopped POST answers 503 and leaves no claim; once it is back the retry succeeds',
      {
        timeout: TIMEOUT,
      },
      async () => {
        const { port } = broker;
        await broker.close();
        const key = randomUUID();
        const orderId = `down-${randomUUID()}`;
        const payload = { orderId, productId: 'A003', quantity: 1 };

        const failed = await post(payload, { 'idempotency-key': key });
        assert.equal(failed.statusCode, 503);
        assert.equal(failed.json().code, 'KAFKA_UNAVAILABLE');
        assert.ok(Number(failed.headers['retry-after']) > 0);
        const held = await requestKeys(data);
        assert.ok(!held.includes(`key:${key}`) && !held.includes(`order:${orderId}`), `no claim left: ${held}`);
        assert.equal((await app.inject({ method: 'GET', url: `/orders/${orderId}` })).statusCode, 404);

        broker = await startBroker({ port, dataDir, log: silent });
        const retried = await post(payload, { 'idempotency-key': key });
        assert.equal(retried.statusCode, 202);
        assert.equal(retried.headers['idempotent-replayed'], undefined);
        const [record] = await orderTopic.waitFor((r) => r.key === orderId);
        assert.equal(record.event?.type, EventTypes.orderCreated);
        await orderTopic.caughtUp();
        assert.equal(orderTopic.records.filter((r) => r.key === orderId).length, 1);
      },
    );
  });
}
