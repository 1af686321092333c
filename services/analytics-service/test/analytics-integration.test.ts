import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  type AnyCloudEvent,
  CLOUDEVENTS_CONTENT_TYPE,
  ConsumerGroups,
  EventHeaders,
  eventRecord,
  Topics,
} from '@orderflow/contracts';
import { createMetrics, DeadLetterHeaders, deadLetterTopic, type HttpApp, kafkaStatusOf } from '@orderflow/platform';
import { pino } from 'pino';
import { startAnalyticsConsumer } from '../src/analytics-consumer.ts';
import { createAnalyticsMetrics } from '../src/analytics-metrics.ts';
import { buildApp } from '../src/app.ts';
import { orderCreated, stockChanged, stockRejected, stockReserved } from './events.ts';
import { closeAfterAll, readTopics, startTestBroker, type TestBroker, waitUntil } from '@orderflow/platform/testing';
import { backends } from './store-backends.ts';

// The service's consumer and HTTP API against our Kafka-compatible broker, on each store backend: records are
// produced to the real topics and the outcome is read from GET /stats as a user would.

const silent = pino({ level: 'silent' });

interface Stats {
  totals: { orders: number; quantity: number; confirmed: number; rejected: number; rejectedByReason: object };
  topProducts: { productId: string }[];
  lag: { topic: string; partition: number; lag: number }[];
  updatedAt: string | null;
}

for (const backend of backends) {
  describe(`analytics-service on the broker with ${backend.name}`, () => {
    const closeLater = closeAfterAll();
    let testBroker: TestBroker;
    let app: HttpApp;

    before(async () => {
      testBroker = closeLater(await startTestBroker('analytics-test'));
      const { connection } = testBroker;
      const { store } = await closeLater(backend.fresh()).open();
      const metrics = createMetrics({ service: 'analytics-test' });
      const consumer = closeLater(
        await startAnalyticsConsumer({
          connection,
          store,
          log: silent,
          metrics,
          analyticsMetrics: createAnalyticsMetrics(metrics.registry),
          retry: { initialDelayMs: 10, maxDelayMs: 50 },
          lagIntervalMs: 200,
        }),
      );
      app = closeLater(buildApp({ log: silent, store, metrics, kafka: kafkaStatusOf(consumer) }));
    });

    const stats = async () => (await app.inject({ method: 'GET', url: '/stats' })).json() as Stats;
    const publish = (event: AnyCloudEvent) => testBroker.publish(eventRecord(event));

    test(
      'counts orders and stock results once each, ignores stock-changed, dead-letters poison and goes on',
      {
        timeout: 90_000,
      },
      async () => {
        const ready = await waitUntil(
          'readiness',
          () => app.inject({ method: 'GET', url: '/health/ready' }),
          (response) => response.statusCode === 200,
        );
        assert.equal(ready.statusCode, 200);

        const first = orderCreated({ orderId: 'o-1', productId: 'A001', quantity: 2 });
        await publish(first);
        // The very same record again, as a producer retrying after a lost acknowledgement would send it.
        await publish(first);
        await publish(orderCreated({ orderId: 'o-2', productId: 'A001', quantity: 3 }));
        await publish(orderCreated({ orderId: 'o-3', productId: 'B002', quantity: 1 }));
        await publish(stockReserved({ orderId: 'o-1', productId: 'A001', quantity: 2 }));
        await publish(stockReserved({ orderId: 'o-2', productId: 'A001', quantity: 3 }));
        await publish(stockRejected({ orderId: 'o-3', productId: 'B002', quantity: 1, reason: 'INSUFFICIENT_STOCK' }));
        await publish(stockChanged({ productId: 'A001', available: 5 }));
        // Poison and the next order on the same key, hence the same partition: it must not block what follows it.
        await testBroker.publish({
          topic: Topics.orders,
          key: 'o-4',
          value: 'not json',
          headers: { [EventHeaders.contentType]: CLOUDEVENTS_CONTENT_TYPE },
        });
        await publish(orderCreated({ orderId: 'o-4', productId: 'C003', quantity: 4 }));

        const expected = {
          orders: 4,
          quantity: 10,
          confirmed: 2,
          rejected: 1,
          rejectedByReason: { INSUFFICIENT_STOCK: 1, UNKNOWN_PRODUCT: 0 },
        };
        await waitUntil(
          'all events counted',
          stats,
          (s) => s.totals.orders >= 4 && s.totals.confirmed >= 2 && s.totals.rejected >= 1,
        );
        // The duplicate sits on o-1's partition; once the consumer has nothing left to do there, it has been handled.
        await waitUntil(
          'duplicate and stock-changed handled',
          () => app.inject({ method: 'GET', url: '/metrics' }).then((r) => r.body),
          (body) =>
            /analytics_events_total\{[^}]*type="com.orderflow.order.created.v1"[^}]*outcome="duplicate"[^}]*\} 1\b/.test(
              body,
            ) && /analytics_events_total\{[^}]*type="com.orderflow.stock.changed.v1"[^}]*outcome="ignored"/.test(body),
        );
        const counted = await stats();
        assert.deepEqual(counted.totals, expected);
        assert.deepEqual(
          counted.topProducts.map((p) => p.productId),
          ['A001', 'C003', 'B002'],
        );
        assert.ok(counted.updatedAt !== null);

        const product = await app.inject({ method: 'GET', url: '/stats/products/A001' });
        assert.deepEqual(product.json(), { productId: 'A001', orders: 2, quantity: 5, confirmed: 2, rejected: 0 });
        const series = (await app.inject({ method: 'GET', url: '/stats/timeseries?minutes=10' })).json() as {
          buckets: { orders: number; quantity: number; confirmed: number; rejected: number }[];
        };
        const summed = series.buckets.reduce(
          (sum, b) => ({
            orders: sum.orders + b.orders,
            quantity: sum.quantity + b.quantity,
            confirmed: sum.confirmed + b.confirmed,
            rejected: sum.rejected + b.rejected,
          }),
          { orders: 0, quantity: 0, confirmed: 0, rejected: 0 },
        );
        assert.deepEqual(summed, { orders: 4, quantity: 10, confirmed: 2, rejected: 1 });

        const deadLetters = closeLater(
          await readTopics(testBroker.connection, [deadLetterTopic(Topics.orders, ConsumerGroups.analytics)]),
        );
        await deadLetters.caughtUp();
        assert.equal(deadLetters.records.length, 1);
        const [letter] = deadLetters.records;
        assert.equal(letter!.value.toString('utf8'), 'not json');
        assert.equal(letter!.key, 'o-4');
        assert.equal(letter!.headers[DeadLetterHeaders.errorCode], 'EVENT_MALFORMED_JSON');
        assert.match(letter!.headers[DeadLetterHeaders.errorReason] ?? '', /not UTF-8 JSON/);
        assert.equal(letter!.headers[DeadLetterHeaders.originalTopic], Topics.orders);
        assert.equal(letter!.headers[DeadLetterHeaders.consumerGroup], ConsumerGroups.analytics);

        // Lag as the runner measured it after committing: every partition that had records is caught up.
        const caughtUp = await waitUntil(
          'lag reported at zero',
          stats,
          (s) =>
            s.lag.some((l) => l.topic === Topics.orders) &&
            s.lag.some((l) => l.topic === Topics.stock) &&
            s.lag.every((l) => l.lag === 0),
        );
        assert.ok(caughtUp.lag.every((l) => l.partition >= 0));
      },
    );
  });
}
