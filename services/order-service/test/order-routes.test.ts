import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { EventTypes, Topics, validateEvent } from '@orderflow/contracts';
import { createLogger, createMetrics, type HttpApp, PoisonEventError } from '@orderflow/platform';
import { buildApp } from '../src/app.ts';
import type { Order } from '../src/order.ts';
import type { OrderStore } from '../src/order-store.ts';
import { createStockEventHandler } from '../src/stock-event-handler.ts';
import { createFakeProducer, type FakeProducer, handlerContext } from '@orderflow/platform/testing';
import { confirmedOrder } from './support/expected-orders.ts';
import { consumed, stockChanged, stockRejected, stockReserved } from './support/stock-records.ts';
import { backends, requestKeys, type TestStore } from './support/test-backends.ts';

const settings = { IDEMPOTENCY_TTL: 86_400_000, KAFKA_PUBLISH_TIMEOUT: 10_000 };
const PROBLEM = /^application\/problem\+json\b/;

interface Harness {
  app: HttpApp;
  producer: FakeProducer;
  orders: OrderStore;
  consumerAssigned: boolean;
}

function post(app: HttpApp, payload: unknown, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: '/orders', payload: payload as object, headers });
}

async function nextMillisecond(): Promise<void> {
  const start = Date.now();
  while (Date.now() === start) await new Promise((resolve) => setImmediate(resolve));
}

function sku(): string {
  return `SKU-${randomUUID().slice(0, 8)}`;
}

for (const backend of backends) {
  describe(`order routes on ${backend.name}`, () => {
    let data: TestStore;
    const harness = {} as Harness;

    before(async () => {
      data = backend.fresh();
      const { store: orders } = await data.open();
      harness.orders = orders;
      harness.producer = createFakeProducer();
      harness.consumerAssigned = true;
      harness.app = buildApp({
        log: createLogger({ name: 'order-routes-test', level: 'silent' }),
        store: orders,
        producer: harness.producer,
        kafka: { ping: async () => undefined, consumerAssigned: () => harness.consumerAssigned },
        metrics: createMetrics(),
        settings,
      });
      await harness.app.ready();
    });
    after(async () => {
      await harness.app.close();
      await data.cleanup();
    });

    describe('validation', () => {
      const valid = { productId: 'A001', quantity: 2 };
      const cases: { name: string; payload: unknown; headers?: Record<string, string>; pointer: string }[] = [
        { name: 'productId missing', payload: { quantity: 2 }, pointer: '/productId' },
        { name: 'productId empty', payload: { ...valid, productId: '' }, pointer: '/productId' },
        { name: 'productId of 65 characters', payload: { ...valid, productId: 'A'.repeat(65) }, pointer: '/productId' },
        { name: 'productId with a space', payload: { ...valid, productId: 'A 001' }, pointer: '/productId' },
        { name: 'productId with a slash', payload: { ...valid, productId: 'A/001' }, pointer: '/productId' },
        { name: 'productId not a string', payload: { ...valid, productId: 1001 }, pointer: '/productId' },
        { name: 'quantity missing', payload: { productId: 'A001' }, pointer: '/quantity' },
        { name: 'quantity 0', payload: { ...valid, quantity: 0 }, pointer: '/quantity' },
        { name: 'quantity 1001', payload: { ...valid, quantity: 1001 }, pointer: '/quantity' },
        { name: 'quantity not an integer', payload: { ...valid, quantity: 1.5 }, pointer: '/quantity' },
        { name: 'quantity as a string', payload: { ...valid, quantity: '2' }, pointer: '/quantity' },
        { name: 'orderId empty', payload: { ...valid, orderId: '' }, pointer: '/orderId' },
        { name: 'orderId of 65 characters', payload: { ...valid, orderId: 'o'.repeat(65) }, pointer: '/orderId' },
        { name: 'orderId not a string', payload: { ...valid, orderId: 1 }, pointer: '/orderId' },
        { name: 'customerId empty', payload: { ...valid, customerId: '' }, pointer: '/customerId' },
        { name: 'customerId too long', payload: { ...valid, customerId: 'c'.repeat(129) }, pointer: '/customerId' },
        { name: 'an unknown field', payload: { ...valid, colour: 'red' }, pointer: '/colour' },
        { name: 'an array body', payload: [valid], pointer: '' },
        {
          name: 'Idempotency-Key of 256 characters',
          payload: valid,
          headers: { 'idempotency-key': 'k'.repeat(256) },
          pointer: '/idempotency-key',
        },
        {
          name: 'Idempotency-Key with a space',
          payload: valid,
          headers: { 'idempotency-key': 'a key' },
          pointer: '/idempotency-key',
        },
      ];
      for (const { name, payload, headers, pointer } of cases) {
        test(`400 VALIDATION_FAILED for ${name}, nothing published`, async () => {
          const before = harness.producer.published.length;
          const response = await post(harness.app, payload, headers);
          assert.equal(response.statusCode, 400);
          assert.match(String(response.headers['content-type']), PROBLEM);
          const problem = response.json();
          assert.equal(problem.code, 'VALIDATION_FAILED');
          assert.ok(
            problem.errors.some((e: { pointer: string }) => e.pointer === pointer),
            `expected an error at ${pointer}: ${JSON.stringify(problem.errors)}`,
          );
          assert.equal(harness.producer.published.length, before);
        });
      }

      test('400 MALFORMED_JSON for a body that is not JSON', async () => {
        const response = await harness.app.inject({
          method: 'POST',
          url: '/orders',
          payload: '{"productId": "A001",',
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(response.statusCode, 400);
        assert.equal(response.json().code, 'MALFORMED_JSON');
      });

      test('415 UNSUPPORTED_MEDIA_TYPE for a body that is not JSON by type', async () => {
        const response = await harness.app.inject({
          method: 'POST',
          url: '/orders',
          payload: 'productId=A001&quantity=2',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        assert.equal(response.statusCode, 415);
        assert.equal(response.json().code, 'UNSUPPORTED_MEDIA_TYPE');
      });
    });

    test('the example order is accepted with 202, Location, a PENDING body, and order-created on order-topic', async () => {
      const orderId = `ex-${randomUUID()}`;
      const productId = sku();
      const response = await post(harness.app, { orderId, productId, quantity: 2 });
      assert.equal(response.statusCode, 202);
      assert.equal(response.headers.location, `/orders/${orderId}`);
      assert.equal(response.headers['idempotent-replayed'], undefined);
      const body = response.json() as Order;
      assert.deepEqual(body, {
        orderId,
        productId,
        quantity: 2,
        status: 'PENDING',
        createdAt: body.createdAt,
        updatedAt: body.createdAt,
        history: [{ status: 'PENDING', at: body.createdAt }],
      });
      assert.ok(Math.abs(Date.parse(body.createdAt) - Date.now()) < 60_000);

      const published = harness.producer.published.filter((p) => p.record.key === orderId);
      assert.equal(published.length, 1);
      assert.equal(published[0]!.topic, Topics.orders);
      const decoded = validateEvent(JSON.parse(published[0]!.record.value.toString()));
      assert.ok(decoded.ok, 'a valid CloudEvent');
      assert.equal(decoded.event.type, EventTypes.orderCreated);
      assert.deepEqual(decoded.event.data, { orderId, productId, quantity: 2, createdAt: body.createdAt });
      assert.equal(published[0]!.record.headers?.['content-type'], 'application/cloudevents+json; charset=UTF-8');

      const fetched = await harness.app.inject({ method: 'GET', url: response.headers.location as string });
      assert.equal(fetched.statusCode, 200);
      assert.deepEqual(fetched.json(), body);
    });

    test('{"orderId":"1","productId":"A001","quantity":2} works as is', async () => {
      const response = await harness.app.inject({
        method: 'POST',
        url: '/orders',
        payload: '{"orderId":"1","productId":"A001","quantity":2}',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(response.statusCode, 202);
      assert.equal(response.headers.location, '/orders/1');
      assert.equal(response.json().status, 'PENDING');
    });

    test('an orderId with reserved URL characters round-trips through Location', async () => {
      const orderId = `a b/c?${randomUUID()}`;
      const response = await post(harness.app, { orderId, productId: sku(), quantity: 1 });
      assert.equal(response.statusCode, 202);
      assert.equal(response.headers.location, `/orders/${encodeURIComponent(orderId)}`);
      const fetched = await harness.app.inject({ method: 'GET', url: response.headers.location as string });
      assert.equal(fetched.statusCode, 200);
      assert.equal(fetched.json().orderId, orderId);
    });

    test('without orderId a UUID is generated; the trace of the request is continued by the event', async () => {
      const traceId = randomUUID().replaceAll('-', '');
      const response = await post(
        harness.app,
        { productId: sku(), quantity: 1, customerId: 'c-42' },
        { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      );
      assert.equal(response.statusCode, 202);
      const { orderId, customerId } = response.json();
      assert.match(orderId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(customerId, 'c-42');
      assert.equal(response.headers.location, `/orders/${orderId}`);
      const published = harness.producer.published.find((p) => p.record.key === orderId);
      const event = JSON.parse(published!.record.value.toString());
      assert.equal(event.traceparent.split('-')[1], traceId);
    });

    test('the same Idempotency-Key and body replays the first response and publishes once', async () => {
      const key = randomUUID();
      const payload = { productId: sku(), quantity: 3, customerId: 'c-1' };
      const first = await post(harness.app, payload, { 'idempotency-key': key });
      const reordered = { customerId: 'c-1', quantity: 3, productId: payload.productId };
      const second = await post(harness.app, reordered, { 'idempotency-key': key });
      assert.equal(first.statusCode, 202);
      assert.equal(second.statusCode, 202);
      assert.equal(second.headers['idempotent-replayed'], 'true');
      assert.equal(second.headers.location, first.headers.location);
      assert.deepEqual(second.json(), first.json());
      const { orderId } = first.json();
      assert.equal(harness.producer.published.filter((p) => p.record.key === orderId).length, 1);
    });

    test('a repeated orderId without a key replays too; with another key it still maps to the same order', async () => {
      const payload = { orderId: `o-${randomUUID()}`, productId: sku(), quantity: 1 };
      const first = await post(harness.app, payload);
      const again = await post(harness.app, payload);
      const otherKey = await post(harness.app, payload, { 'idempotency-key': randomUUID() });
      for (const replay of [again, otherKey]) {
        assert.equal(replay.statusCode, 202);
        assert.equal(replay.headers['idempotent-replayed'], 'true');
        assert.deepEqual(replay.json(), first.json());
      }
      assert.equal(harness.producer.published.filter((p) => p.record.key === payload.orderId).length, 1);
    });

    test('422 IDEMPOTENCY_KEY_REUSED for the same key with another body', async () => {
      const key = randomUUID();
      const productId = sku();
      assert.equal((await post(harness.app, { productId, quantity: 1 }, { 'idempotency-key': key })).statusCode, 202);
      const reused = await post(harness.app, { productId, quantity: 2 }, { 'idempotency-key': key });
      assert.equal(reused.statusCode, 422);
      assert.match(String(reused.headers['content-type']), PROBLEM);
      assert.equal(reused.json().code, 'IDEMPOTENCY_KEY_REUSED');
    });

    test('422 IDEMPOTENCY_KEY_REUSED for a known orderId with another body, even under a new key', async () => {
      const orderId = `o-${randomUUID()}`;
      const productId = sku();
      assert.equal((await post(harness.app, { orderId, productId, quantity: 1 })).statusCode, 202);
      const reused = await post(harness.app, { orderId, productId, quantity: 5 }, { 'idempotency-key': randomUUID() });
      assert.equal(reused.statusCode, 422);
      assert.equal(reused.json().code, 'IDEMPOTENCY_KEY_REUSED');
      assert.equal(harness.producer.published.filter((p) => p.record.key === orderId).length, 1);
    });

    test('409 REQUEST_IN_PROGRESS with Retry-After while the first request is still publishing', async () => {
      const key = randomUUID();
      const payload = { productId: sku(), quantity: 1 };
      const held = harness.producer.hold();
      const first = post(harness.app, payload, { 'idempotency-key': key });
      const release = await held;

      const duplicate = await post(harness.app, payload, { 'idempotency-key': key });
      assert.equal(duplicate.statusCode, 409);
      assert.equal(duplicate.json().code, 'REQUEST_IN_PROGRESS');
      assert.equal(duplicate.headers['retry-after'], '1');

      release();
      const accepted = await first;
      assert.equal(accepted.statusCode, 202);
      const after = await post(harness.app, payload, { 'idempotency-key': key });
      assert.equal(after.headers['idempotent-replayed'], 'true');
      assert.deepEqual(after.json(), accepted.json());
    });

    test('503 KAFKA_UNAVAILABLE with Retry-After when publishing fails; the claim is released for the retry', async () => {
      const key = randomUUID();
      const orderId = `o-${randomUUID()}`;
      const payload = { orderId, productId: sku(), quantity: 1 };
      harness.producer.breakDown();
      let failed: Awaited<ReturnType<typeof post>>;
      try {
        failed = await post(harness.app, payload, { 'idempotency-key': key });
      } finally {
        harness.producer.recover();
      }
      assert.equal(failed.statusCode, 503);
      assert.match(String(failed.headers['content-type']), PROBLEM);
      assert.equal(failed.json().code, 'KAFKA_UNAVAILABLE');
      assert.ok(Number(failed.headers['retry-after']) > 0);
      const held = await requestKeys(data);
      assert.ok(!held.includes(`key:${key}`) && !held.includes(`order:${orderId}`), 'no claim left behind');
      const orderAfterFailure = await harness.app.inject({ method: 'GET', url: `/orders/${orderId}` });
      assert.equal(orderAfterFailure.statusCode, 404);

      const ready = await harness.app.inject({ method: 'GET', url: '/health/ready' });
      assert.equal(ready.statusCode, 503);
      assert.equal(ready.json().checks['kafka-producer'].status, 'down');

      const retry = await post(harness.app, payload, { 'idempotency-key': key });
      assert.equal(retry.statusCode, 202);
      assert.equal(retry.headers['idempotent-replayed'], undefined);
      assert.equal(harness.producer.published.filter((p) => p.record.key === orderId).length, 1);
      const readyAgain = await harness.app.inject({ method: 'GET', url: '/health/ready' });
      assert.equal(readyAgain.statusCode, 200);
    });

    test('an unacknowledged publish keeps the claim until the late answer: written → replayed, never published twice', async () => {
      const key = randomUUID();
      const orderId = `o-${randomUUID()}`;
      const payload = { orderId, productId: sku(), quantity: 1 };
      const late = harness.producer.loseAcknowledgement();
      const timedOut = await post(harness.app, payload, { 'idempotency-key': key });
      assert.equal(timedOut.statusCode, 503);
      assert.equal(timedOut.json().code, 'KAFKA_UNAVAILABLE');

      const meanwhile = await post(harness.app, payload, { 'idempotency-key': key });
      assert.equal(meanwhile.statusCode, 409, 'the retry waits for the outcome instead of publishing again');
      assert.equal(meanwhile.json().code, 'REQUEST_IN_PROGRESS');

      late.written();
      let retry = await post(harness.app, payload, { 'idempotency-key': key });
      for (let attempt = 0; retry.statusCode === 409 && attempt < 100; attempt++) {
        await new Promise((resolve) => setImmediate(resolve));
        retry = await post(harness.app, payload, { 'idempotency-key': key });
      }
      assert.equal(retry.statusCode, 202);
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      assert.equal(harness.producer.published.filter((p) => p.record.key === orderId).length, 1);
    });

    test('an unacknowledged publish that was not written releases the claim, and the retry publishes once', async () => {
      const key = randomUUID();
      const orderId = `o-${randomUUID()}`;
      const payload = { orderId, productId: sku(), quantity: 1 };
      const late = harness.producer.loseAcknowledgement();
      assert.equal((await post(harness.app, payload, { 'idempotency-key': key })).statusCode, 503);
      late.notWritten();
      let retry = await post(harness.app, payload, { 'idempotency-key': key });
      for (let attempt = 0; retry.statusCode === 409 && attempt < 100; attempt++) {
        await new Promise((resolve) => setImmediate(resolve));
        retry = await post(harness.app, payload, { 'idempotency-key': key });
      }
      assert.equal(retry.statusCode, 202);
      assert.equal(retry.headers['idempotent-replayed'], undefined);
      assert.equal(harness.producer.published.filter((p) => p.record.key === orderId).length, 1);
    });

    test('409 OUT_OF_STOCK without publishing while the product is known to be sold out', async () => {
      const productId = sku();
      const handle = createStockEventHandler(harness.orders);
      await handle(consumed(stockChanged(productId, 0)), handlerContext());
      const before = harness.producer.published.length;
      const refused = await post(harness.app, { productId, quantity: 1 }, { 'idempotency-key': randomUUID() });
      assert.equal(refused.statusCode, 409);
      assert.equal(refused.json().code, 'OUT_OF_STOCK');
      assert.equal(harness.producer.published.length, before);

      await handle(consumed(stockChanged(productId, 4)), handlerContext());
      assert.equal((await post(harness.app, { productId, quantity: 1 })).statusCode, 202);
    });

    test('stock events confirm or reject orders and GET shows status and history', async () => {
      const handle = createStockEventHandler(harness.orders);
      const productId = sku();
      const confirmed = (await post(harness.app, { productId, quantity: 2 })).json() as Order;
      const rejected = (await post(harness.app, { productId, quantity: 9 })).json() as Order;

      const reserved = stockReserved(confirmed.orderId, productId, 2, 5);
      await handle(consumed(reserved), handlerContext());
      await handle(consumed(reserved), handlerContext());
      await handle(consumed(stockRejected(rejected.orderId, productId, 9, 5)), handlerContext());

      const one = (await harness.app.inject({ method: 'GET', url: `/orders/${confirmed.orderId}` })).json();
      assert.equal(one.status, 'CONFIRMED');
      assert.deepEqual(one.history, confirmedOrder(confirmed, { at: reserved.time, eventId: reserved.id }).history);
      const two = (await harness.app.inject({ method: 'GET', url: `/orders/${rejected.orderId}` })).json();
      assert.equal(two.status, 'REJECTED');
      assert.equal(two.reason, 'INSUFFICIENT_STOCK');
      assert.equal(two.history.length, 2);
    });

    test('an undecodable stock record is poison for the dead-letter topic', async () => {
      const handle = createStockEventHandler(harness.orders);
      await assert.rejects(handle(consumed(Buffer.from('{"not":"an event"}')), handlerContext()), PoisonEventError);
      await assert.rejects(handle(consumed(Buffer.from('not json')), handlerContext()), PoisonEventError);
    });

    test('GET /orders/:id of an unknown order is a 404 problem', async () => {
      const response = await harness.app.inject({ method: 'GET', url: `/orders/${randomUUID()}` });
      assert.equal(response.statusCode, 404);
      assert.match(String(response.headers['content-type']), PROBLEM);
      assert.equal(response.json().code, 'ORDER_NOT_FOUND');
    });

    test("GET /orders/%00%ff is a 400 MALFORMED_URL problem, not Fastify's own JSON", async () => {
      const response = await harness.app.inject({ method: 'GET', url: '/orders/%00%ff' });
      assert.equal(response.statusCode, 400);
      assert.match(String(response.headers['content-type']), PROBLEM);
      assert.equal(response.json().code, 'MALFORMED_URL');
    });

    test('GET /orders lists the newest first, filters by status and validates limit', async () => {
      const handle = createStockEventHandler(harness.orders);
      const productId = sku();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        // Creation times have millisecond resolution; distinct ones make "newest first" a single answer.
        await nextMillisecond();
        ids.push((await post(harness.app, { productId, quantity: 1 })).json().orderId);
      }
      await handle(consumed(stockReserved(ids[1]!, productId, 1, 10)), handlerContext());

      const recent = (await harness.app.inject({ method: 'GET', url: '/orders?limit=2' })).json();
      assert.deepEqual(
        recent.orders.map((o: Order) => o.orderId),
        [ids[2], ids[1]],
      );
      const confirmed = (await harness.app.inject({ method: 'GET', url: '/orders?status=CONFIRMED&limit=500' })).json();
      assert.ok(confirmed.orders.every((o: Order) => o.status === 'CONFIRMED'));
      assert.equal(confirmed.orders[0].orderId, ids[1]);
      const byDefault = (await harness.app.inject({ method: 'GET', url: '/orders' })).json();
      assert.ok(byDefault.orders.length > 3 && byDefault.orders.length <= 50);

      for (const query of ['limit=0', 'limit=501', 'limit=ten', 'status=SHIPPED', 'sort=asc']) {
        const response = await harness.app.inject({ method: 'GET', url: `/orders?${query}` });
        assert.equal(response.statusCode, 400, query);
        assert.equal(response.json().code, 'VALIDATION_FAILED', query);
      }
    });

    test('readiness reports the store, Kafka, the stock consumer and the producer', async () => {
      const ready = await harness.app.inject({ method: 'GET', url: '/health/ready' });
      assert.equal(ready.statusCode, 200);
      assert.deepEqual(Object.keys(ready.json().checks).sort(), ['consumer', 'kafka', 'kafka-producer', 'store']);
      harness.consumerAssigned = false;
      try {
        const notReady = await harness.app.inject({ method: 'GET', url: '/health/ready' });
        assert.equal(notReady.statusCode, 503);
        assert.deepEqual(notReady.json().checks.consumer, {
          status: 'down',
          detail: 'not assigned in the order-service group yet',
        });
      } finally {
        harness.consumerAssigned = true;
      }
      const live = await harness.app.inject({ method: 'GET', url: '/health/live' });
      assert.deepEqual(live.json(), { status: 'ok', service: 'order-service' });
      const metrics = await harness.app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /http_request_duration_seconds_count\{[^}]*route="\/orders"/);
    });
  });
}
