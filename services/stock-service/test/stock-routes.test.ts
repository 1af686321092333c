import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type AnyCloudEvent, EventTypes, Topics } from '@orderflow/contracts';
import { createLogger, createMetrics, type HttpApp, startTraceparent, traceIdOf } from '@orderflow/platform';
import { buildApp } from '../src/app.ts';
import type { StockStore } from '../src/stock-store.ts';
import { sqliteBackend } from './store-backends.ts';
import {
  assertProblem,
  assertReadiness,
  closeAfterAll,
  createFakeProducer,
  type FakeKafkaStatus,
  type FakeProducer,
  fakeKafkaStatus,
} from '@orderflow/platform/testing';

const TOKEN = 'test-admin-token-0123456789';
const log = createLogger({ name: 'routes-test', level: 'silent' });
const closeLater = closeAfterAll();

interface Harness {
  readonly app: HttpApp;
  readonly store: StockStore;
  readonly producer: FakeProducer<AnyCloudEvent>;
  readonly kafka: FakeKafkaStatus;
}

/** `adminToken: null` runs the service without ADMIN_TOKEN. */
async function harness(options: { adminToken?: string | null; jitterMs?: number } = {}): Promise<Harness> {
  const adminToken = options.adminToken === null ? undefined : (options.adminToken ?? TOKEN);
  const { store } = await closeLater(sqliteBackend.fresh()).open();
  await store.seed(
    new Map([
      ['A001', 100],
      ['A002', 5],
    ]),
  );
  const producer = createFakeProducer<AnyCloudEvent>({
    ...(options.jitterMs === undefined ? {} : { jitterMs: options.jitterMs }),
  });
  const kafka = fakeKafkaStatus();
  const app = closeLater(
    buildApp({
      log,
      store,
      producer,
      kafka,
      metrics: createMetrics({ service: 'stock-test' }),
      config: { ADMIN_TOKEN: adminToken },
    }),
  );
  return { app, store, producer, kafka };
}

const bearer = (token = TOKEN) => ({ authorization: `Bearer ${token}` });

describe('GET /stock', () => {
  test('lists every product with its available units', async () => {
    const { app } = await harness();
    const response = await app.inject({ method: 'GET', url: '/stock' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      products: [
        { productId: 'A001', available: 100 },
        { productId: 'A002', available: 5 },
      ],
    });
  });

  test('GET /stock/:productId answers one product, or a 404 problem for an unknown one', async () => {
    const { app } = await harness();
    const found = await app.inject({ method: 'GET', url: '/stock/A002' });
    assert.equal(found.statusCode, 200);
    assert.deepEqual(found.json(), { productId: 'A002', available: 5 });
    const missing = await app.inject({ method: 'GET', url: '/stock/NOPE' });
    assertProblem(missing, 404, 'PRODUCT_NOT_FOUND');
  });
});

describe('PUT /stock/:productId', () => {
  test("sets the level of a product and publishes stock-changed ADJUSTED in the caller's trace", async () => {
    const { app, producer } = await harness();
    const traceparent = startTraceparent();
    const response = await app.inject({
      method: 'PUT',
      url: '/stock/A001',
      headers: { ...bearer(), traceparent },
      payload: { available: 42 },
    });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { productId: 'A001', available: 42 });
    assert.deepEqual((await app.inject({ method: 'GET', url: '/stock/A001' })).json(), {
      productId: 'A001',
      available: 42,
    });
    assert.equal(producer.published.length, 1);
    const [published] = producer.published;
    assert.equal(published!.topic, Topics.stock);
    assert.equal(published!.key, 'A001');
    assert.equal(published!.event.type, EventTypes.stockChanged);
    assert.deepEqual(published!.event.data, { productId: 'A001', available: 42, reason: 'ADJUSTED' });
    assert.equal(traceIdOf(published!.headers.traceparent), traceIdOf(traceparent));
  });

  test('creates a new product with 201', async () => {
    const { app, producer } = await harness();
    const response = await app.inject({
      method: 'PUT',
      url: '/stock/NEW-1',
      headers: bearer(),
      payload: { available: 0 },
    });
    assert.equal(response.statusCode, 201);
    assert.deepEqual(response.json(), { productId: 'NEW-1', available: 0 });
    assert.equal((await app.inject({ method: 'GET', url: '/stock/NEW-1' })).statusCode, 200);
    assert.deepEqual(producer.published[0]?.event.data, { productId: 'NEW-1', available: 0, reason: 'ADJUSTED' });
  });

  test('rejects a negative, fractional or missing level with a validation problem', async () => {
    const { app, store, producer } = await harness();
    for (const payload of [{ available: -1 }, { available: 1.5 }, {}, { available: 5, extra: true }]) {
      const response = await app.inject({ method: 'PUT', url: '/stock/A001', headers: bearer(), payload });
      assertProblem(response, 400, 'VALIDATION_FAILED');
    }
    assert.equal(await store.get('A001'), 100);
    assert.equal(producer.published.length, 0);
  });

  test('when publishing fails the level is still set and the problem says so', async () => {
    const { app, store, producer } = await harness();
    producer.failNext(1);
    const response = await app.inject({
      method: 'PUT',
      url: '/stock/A001',
      headers: bearer(),
      payload: { available: 7 },
    });
    const problem = assertProblem(response, 503, 'STOCK_CHANGE_UNPUBLISHED');
    assert.match(problem.detail, /now 7/);
    assert.equal(await store.get('A001'), 7);
  });

  test('waits for a change of the same product in progress, then answers 409 with Retry-After', async () => {
    const { app, store } = await harness();
    const lease = await store.locks.acquire('stock:A001', 60_000);
    assert.ok(lease);
    try {
      const response = await app.inject({
        method: 'PUT',
        url: '/stock/A001',
        headers: bearer(),
        payload: { available: 1 },
      });
      assertProblem(response, 409, 'STOCK_CHANGE_BUSY');
      assert.equal(response.headers['retry-after'], '1');
      assert.equal(await store.get('A001'), 100);
    } finally {
      await lease.release();
    }
    const retried = await app.inject({
      method: 'PUT',
      url: '/stock/A001',
      headers: bearer(),
      payload: { available: 1 },
    });
    assert.equal(retried.statusCode, 200);
  });

  test('concurrent changes of one product are serialised: events arrive in the order of the writes', async () => {
    const { app, store, producer } = await harness({ jitterMs: 5 });
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        app.inject({ method: 'POST', url: '/stock/A002/restock', headers: bearer(), payload: { quantity: 1 } }),
      ),
    );
    assert.deepEqual(
      responses.map((r) => r.statusCode),
      Array(10).fill(200),
    );
    assert.equal(await store.get('A002'), 15);
    const levels = producer.published.map((p) => (p.event.data as { available: number }).available);
    assert.deepEqual(levels, [6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  });
});

describe('POST /stock/:productId/restock', () => {
  test('adds to the level and publishes stock-changed RESTOCKED', async () => {
    const { app, producer } = await harness();
    const response = await app.inject({
      method: 'POST',
      url: '/stock/A002/restock',
      headers: bearer(),
      payload: { quantity: 20 },
    });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { productId: 'A002', available: 25 });
    assert.deepEqual(producer.published[0]?.event.data, { productId: 'A002', available: 25, reason: 'RESTOCKED' });
  });

  test('answers 404 for an unknown product and creates nothing', async () => {
    const { app, producer } = await harness();
    const response = await app.inject({
      method: 'POST',
      url: '/stock/NOPE/restock',
      headers: bearer(),
      payload: { quantity: 1 },
    });
    assertProblem(response, 404, 'PRODUCT_NOT_FOUND');
    assert.equal((await app.inject({ method: 'GET', url: '/stock/NOPE' })).statusCode, 404);
    assert.equal(producer.published.length, 0);
  });

  test('rejects a zero quantity', async () => {
    const { app } = await harness();
    const response = await app.inject({
      method: 'POST',
      url: '/stock/A002/restock',
      headers: bearer(),
      payload: { quantity: 0 },
    });
    assertProblem(response, 400, 'VALIDATION_FAILED');
  });
});

describe('admin authentication', () => {
  const changes = [
    { method: 'PUT', url: '/stock/A001', payload: { available: 1 } },
    { method: 'POST', url: '/stock/A001/restock', payload: { quantity: 1 } },
  ] as const;

  test('no or a malformed Authorization header is 401 with a Bearer challenge', async () => {
    const { app, store, producer } = await harness();
    for (const change of changes) {
      for (const headers of [
        {},
        { authorization: TOKEN },
        { authorization: 'Bearer' },
        { authorization: `Basic ${TOKEN}` },
      ]) {
        const response = await app.inject({ ...change, headers });
        assertProblem(response, 401, 'ADMIN_TOKEN_REQUIRED');
        assert.match(String(response.headers['www-authenticate']), /^Bearer/);
      }
    }
    assert.equal(await store.get('A001'), 100);
    assert.equal(producer.published.length, 0);
  });

  test('a wrong token is 403, whatever its length', async () => {
    const { app, store } = await harness();
    for (const change of changes) {
      for (const token of ['wrong', `${TOKEN}x`, TOKEN.slice(0, -1), TOKEN.toUpperCase()]) {
        const response = await app.inject({ ...change, headers: bearer(token) });
        assertProblem(response, 403, 'ADMIN_TOKEN_INVALID');
      }
    }
    assert.equal(await store.get('A001'), 100);
  });

  test('authentication comes before validation: an invalid body without a token is still 401', async () => {
    const { app } = await harness();
    const response = await app.inject({ method: 'PUT', url: '/stock/A001', payload: { available: -1 } });
    assertProblem(response, 401, 'ADMIN_TOKEN_REQUIRED');
  });

  test('without ADMIN_TOKEN configured the admin API is disabled, and says how to enable it', async () => {
    const { app, store } = await harness({ adminToken: null });
    for (const change of changes) {
      for (const headers of [{}, bearer(), bearer('')]) {
        const response = await app.inject({ ...change, headers });
        const problem = assertProblem(response, 403, 'ADMIN_API_DISABLED');
        assert.equal(problem.detail, 'admin API disabled: set ADMIN_TOKEN');
      }
    }
    assert.equal(await store.get('A001'), 100);
    assert.equal((await app.inject({ method: 'GET', url: '/stock/A001' })).statusCode, 200);
  });
});

describe('health and metrics', () => {
  test('/health/live answers while the process runs', async () => {
    const { app } = await harness();
    const response = await app.inject({ method: 'GET', url: '/health/live' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: 'ok', service: 'stock-service' });
  });

  test('/health/ready is ready with store, kafka and consumer up, and names the check that is down', async () => {
    const { app, kafka } = await harness();
    await assertReadiness(app, { store: 'up', kafka: 'up', consumer: 'up' });
    kafka.assigned = false;
    await assertReadiness(app, { store: 'up', kafka: 'up', consumer: 'down' });
    kafka.up = false;
    const checks = await assertReadiness(app, { store: 'up', kafka: 'down', consumer: 'down' });
    assert.equal(checks.kafka!.detail, 'broker unreachable');
  });

  test('/health/ready reports the store down once it is closed', async () => {
    const { store, platform } = await closeLater(sqliteBackend.fresh()).open();
    const app = closeLater(
      buildApp({
        log,
        store,
        producer: createFakeProducer<AnyCloudEvent>(),
        kafka: { ping: async () => {}, consumerAssigned: () => true },
        metrics: createMetrics(),
        config: { ADMIN_TOKEN: TOKEN },
      }),
    );
    await platform.close();
    await assertReadiness(app, { store: 'down', kafka: 'up', consumer: 'up' });
  });

  test('/metrics exposes Prometheus text with the request histogram', async () => {
    const { app } = await harness();
    await app.inject({ method: 'GET', url: '/stock' });
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /http_request_duration_seconds_count\{[^}]*route="\/stock"/);
  });
});
