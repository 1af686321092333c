import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConsumerGroups, Topics } from '@orderflow/contracts';
import { createLogger, createMetrics, PlatformErrors } from '@orderflow/platform';
import type { AnalyticsStore } from '../src/analytics-store.ts';
import { buildApp } from '../src/app.ts';
import { counted, orderCreated, stockRejected, stockReserved } from './events.ts';
import { sqliteBackend } from './store-backends.ts';
import { assertProblem, assertReadiness, closeAfterAll, fakeKafkaStatus } from '@orderflow/platform/testing';

// The HTTP API over a real (SQLite) store, driven with inject() and a fixed clock.

const NOW = Date.parse('2026-11-20T10:30:45.000Z');
const MINUTE = 60_000;
const log = createLogger({ name: 'routes-test', level: 'silent' });
const closeLater = closeAfterAll();

async function harness(rebuild?: Parameters<typeof buildApp>[0]['rebuild']) {
  const { store } = await closeLater(sqliteBackend.fresh()).open();
  const metrics = createMetrics({ service: 'analytics-test' });
  const kafka = fakeKafkaStatus();
  const app = closeLater(
    buildApp({ log, store, metrics, now: () => NOW, kafka, ...(rebuild === undefined ? {} : { rebuild }) }),
  );
  return { app, store, metrics, kafka };
}

async function seed(store: AnalyticsStore): Promise<void> {
  const events = [
    orderCreated({ productId: 'A001', quantity: 5, time: NOW - 2 * MINUTE }),
    orderCreated({ productId: 'A001', quantity: 1, time: NOW - 2 * MINUTE }),
    orderCreated({ productId: 'B002', quantity: 7, time: NOW }),
    stockReserved({ productId: 'A001', quantity: 5, time: NOW - MINUTE }),
    stockRejected({ productId: 'B002', quantity: 7, reason: 'INSUFFICIENT_STOCK', time: NOW }),
  ];
  for (const event of events) await store.count(counted(event), NOW);
}

describe('GET /stats', () => {
  test('before any event: zero totals with every rejection reason, no products, no lag, updatedAt null', async () => {
    const { app } = await harness();
    const response = await app.inject({ method: 'GET', url: '/stats' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      totals: {
        orders: 0,
        quantity: 0,
        confirmed: 0,
        rejected: 0,
        rejectedByReason: { INSUFFICIENT_STOCK: 0, UNKNOWN_PRODUCT: 0 },
      },
      topBy: 'quantity',
      topProducts: [],
      lag: [],
      updatedAt: null,
    });
  });

  test('reports totals, top products by units ordered, and when an event was last counted', async () => {
    const { app, store } = await harness();
    await seed(store);
    const response = await app.inject({ method: 'GET', url: '/stats' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      totals: {
        orders: 3,
        quantity: 13,
        confirmed: 1,
        rejected: 1,
        rejectedByReason: { INSUFFICIENT_STOCK: 1, UNKNOWN_PRODUCT: 0 },
      },
      topBy: 'quantity',
      topProducts: [
        { productId: 'B002', orders: 1, quantity: 7, confirmed: 0, rejected: 1 },
        { productId: 'A001', orders: 2, quantity: 6, confirmed: 1, rejected: 0 },
      ],
      lag: [],
      updatedAt: new Date(NOW).toISOString(),
    });
  });

  test('?topBy=orders&top=1 ranks by number of orders and lists one product', async () => {
    const { app, store } = await harness();
    await seed(store);
    const response = await app.inject({ method: 'GET', url: '/stats?topBy=orders&top=1' });
    assert.equal(response.statusCode, 200);
    const body = response.json() as { topBy: string; topProducts: unknown[] };
    assert.equal(body.topBy, 'orders');
    assert.deepEqual(body.topProducts, [{ productId: 'A001', orders: 2, quantity: 6, confirmed: 1, rejected: 0 }]);
  });

  test('reports the consumer lag of its own group per partition, as the runner last measured it', async () => {
    const { app, metrics } = await harness();
    const group = ConsumerGroups.analytics;
    metrics.consumerLag.set({ topic: Topics.stock, group, partition: '0' }, 4);
    metrics.consumerLag.set({ topic: Topics.orders, group, partition: '2' }, 0);
    metrics.consumerLag.set({ topic: Topics.orders, group, partition: '10' }, 12);
    metrics.consumerLag.set({ topic: Topics.orders, group: 'someone-else', partition: '0' }, 99);
    const response = await app.inject({ method: 'GET', url: '/stats' });
    assert.deepEqual((response.json() as { lag: unknown }).lag, [
      { topic: Topics.orders, partition: 2, lag: 0 },
      { topic: Topics.orders, partition: 10, lag: 12 },
      { topic: Topics.stock, partition: 0, lag: 4 },
    ]);
  });

  test('an invalid top, topBy or unknown parameter is a 400 problem naming it', async () => {
    const { app } = await harness();
    for (const [query, pointer] of [
      ['top=0', '/top'],
      ['top=101', '/top'],
      ['top=ten', '/top'],
      ['top=2.5', '/top'],
      ['topBy=price', '/topBy'],
      ['limit=5', '/limit'],
    ]) {
      const response = await app.inject({ method: 'GET', url: `/stats?${query}` });
      const problem = assertProblem(response, 400, 'VALIDATION_FAILED') as unknown as {
        errors: { location: string; pointer: string }[];
      };
      assert.ok(
        problem.errors.some((e) => e.location === 'querystring' && e.pointer === pointer),
        `${query}: ${JSON.stringify(problem.errors)}`,
      );
    }
  });
});

describe('GET /stats/products/:productId', () => {
  test('answers the counters of a product seen in any counted event', async () => {
    const { app, store } = await harness();
    await seed(store);
    await store.count(counted(stockRejected({ productId: 'GHOST', reason: 'UNKNOWN_PRODUCT', time: NOW })), NOW);
    const a001 = await app.inject({ method: 'GET', url: '/stats/products/A001' });
    assert.equal(a001.statusCode, 200);
    assert.deepEqual(a001.json(), { productId: 'A001', orders: 2, quantity: 6, confirmed: 1, rejected: 0 });
    const ghost = await app.inject({ method: 'GET', url: '/stats/products/GHOST' });
    assert.deepEqual(ghost.json(), { productId: 'GHOST', orders: 0, quantity: 0, confirmed: 0, rejected: 1 });
  });

  test('a product never seen is a 404 problem', async () => {
    const { app, store } = await harness();
    await seed(store);
    const response = await app.inject({ method: 'GET', url: '/stats/products/NEVER' });
    const problem = assertProblem(response, 404, 'PRODUCT_STATS_NOT_FOUND');
    assert.match(problem.detail, /NEVER/);
  });
});

describe('GET /stats/timeseries', () => {
  test('one entry per minute up to the current one, oldest first, empty minutes included', async () => {
    const { app, store } = await harness();
    await seed(store);
    const response = await app.inject({ method: 'GET', url: '/stats/timeseries?minutes=4' });
    assert.equal(response.statusCode, 200);
    const zeros = { orders: 0, quantity: 0, confirmed: 0, rejected: 0 };
    assert.deepEqual(response.json(), {
      minutes: 4,
      buckets: [
        { minute: '2026-11-20T10:27:00.000Z', ...zeros },
        { minute: '2026-11-20T10:28:00.000Z', ...zeros, orders: 2, quantity: 6 },
        { minute: '2026-11-20T10:29:00.000Z', ...zeros, confirmed: 1 },
        { minute: '2026-11-20T10:30:00.000Z', ...zeros, orders: 1, quantity: 7, rejected: 1 },
      ],
    });
  });

  test('defaults to the last 60 minutes and serves up to 1440', async () => {
    const { app } = await harness();
    const hour = (await app.inject({ method: 'GET', url: '/stats/timeseries' })).json() as { buckets: unknown[] };
    assert.equal(hour.buckets.length, 60);
    const day = await app.inject({ method: 'GET', url: '/stats/timeseries?minutes=1440' });
    assert.equal(day.statusCode, 200);
    const buckets = (day.json() as { buckets: { minute: string }[] }).buckets;
    assert.equal(buckets.length, 1440);
    assert.equal(buckets[0]!.minute, '2026-11-19T10:31:00.000Z');
    assert.equal(buckets.at(-1)!.minute, '2026-11-20T10:30:00.000Z');
  });

  test('minutes outside 1..1440 or not an integer is a 400 problem', async () => {
    const { app } = await harness();
    for (const minutes of ['0', '1441', '-5', '1.5', 'hour']) {
      const response = await app.inject({ method: 'GET', url: `/stats/timeseries?minutes=${minutes}` });
      assertProblem(response, 400, 'VALIDATION_FAILED');
    }
  });
});

describe('health and metrics', () => {
  test('ready only when the store, Kafka and the consumer assignment are all up', async () => {
    const { app, kafka } = await harness();
    await assertReadiness(app, { store: 'up', kafka: 'up', consumer: 'up' });
    kafka.assigned = false;
    await assertReadiness(app, { store: 'up', kafka: 'up', consumer: 'down' });
    kafka.assigned = true;
    kafka.up = false;
    const checks = await assertReadiness(app, { store: 'up', kafka: 'down', consumer: 'up' });
    assert.deepEqual(checks.kafka, { status: 'down', detail: 'broker unreachable' });
  });

  test('live answers with the service name, and /metrics serves Prometheus text', async () => {
    const { app } = await harness();
    const live = await app.inject({ method: 'GET', url: '/health/live' });
    assert.deepEqual(live.json(), { status: 'ok', service: 'analytics-service' });
    await app.inject({ method: 'GET', url: '/stats' });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.body, /http_request_duration_seconds_count\{[^}]*route="\/stats"/);
  });
});

describe('POST /admin/rebuild', () => {
  const result = { group: ConsumerGroups.analytics, rewound: [{ topic: Topics.orders, partition: 0, offset: 0 }] };

  test('runs the rebuild with the admin token and answers where the group resumes', async () => {
    let runs = 0;
    const { app } = await harness({
      adminToken: 'secret',
      run: async () => {
        runs++;
        return result;
      },
    });
    const missing = await app.inject({ method: 'POST', url: '/admin/rebuild' });
    assertProblem(missing, 401, 'ADMIN_TOKEN_REQUIRED');
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="analytics-admin"');
    const wrong = await app.inject({ method: 'POST', url: '/admin/rebuild', headers: { authorization: 'Bearer no' } });
    assertProblem(wrong, 403, 'ADMIN_TOKEN_INVALID');
    assert.equal(runs, 0);
    const done = await app.inject({
      method: 'POST',
      url: '/admin/rebuild',
      headers: { authorization: 'Bearer secret' },
    });
    assert.equal(done.statusCode, 200);
    assert.deepEqual(done.json(), result);
    assert.equal(runs, 1);
  });

  test('is off without ADMIN_TOKEN, and a refused rewind is the problem the rebuild raised', async () => {
    const off = await harness({ adminToken: undefined, run: async () => result });
    assertProblem(await off.app.inject({ method: 'POST', url: '/admin/rebuild' }), 403, 'ADMIN_API_DISABLED');
    const busy = await harness({
      adminToken: 'secret',
      run: async () => {
        throw PlatformErrors.create('KAFKA_GROUP_NOT_EMPTY', "group 'analytics-service' still has 1 member(s)");
      },
    });
    const refused = await busy.app.inject({
      method: 'POST',
      url: '/admin/rebuild',
      headers: { authorization: 'Bearer secret' },
    });
    assertProblem(refused, 409, 'KAFKA_GROUP_NOT_EMPTY');
  });
});
