import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsumerGroups, Topics } from '@orderflow/contracts';
import { getOrder, uniqueId } from './support/api.ts';
import { eventually } from '@orderflow/platform/testing';
import { type ReceivedMetricPoint, startOtlpReceiver } from './support/otlp-receiver.ts';
import { withSystem } from './support/system.ts';

// With OTEL_EXPORTER_OTLP_ENDPOINT set, every service also pushes its metrics over OTLP/HTTP: the prom-client series
// of /metrics under their Prometheus names, as OTLP sums, gauges and histograms, with the service as the resource's
// service.name. One order goes through, and an OTLP receiver in this process checks what each service exported.

const PRODUCT = 'A001';

test('every service exports its metrics over OTLP/HTTP, named as on /metrics, with service.name', async (t) => {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const otel = {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_METRIC_EXPORT_INTERVAL: '200',
  };
  await withSystem(t, 'sqlite', async (system) => {
    const { order } = await system.startAll({
      'order-service': otel,
      'stock-service': otel,
      'notification-service': otel,
      'analytics-service': otel,
    });
    const orderId = uniqueId('e2e-metrics');
    const placed = await order.request('POST', '/orders', { body: { orderId, productId: PRODUCT, quantity: 1 } });
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    await eventually(`order ${orderId} decided`, async () => {
      assert.equal((await getOrder(order, orderId)).status, 'CONFIRMED');
    });

    /** The latest exported point of `name` in `service` whose attributes include `attributes`. */
    const latest = (service: string, name: string, attributes: Record<string, string> = {}): ReceivedMetricPoint => {
      const matching = receiver.metricPoints.filter(
        (point) =>
          point.service === service &&
          point.name === name &&
          Object.entries(attributes).every(([key, value]) => point.attributes[key] === value),
      );
      const names = [...new Set(receiver.metricPoints.filter((p) => p.service === service).map((p) => p.name))];
      assert.ok(matching.length > 0, `${service} exported ${name} ${JSON.stringify(attributes)}; it has ${names}`);
      return matching.at(-1)!;
    };

    await eventually('the order counted in every service', async () => {
      const accepted = latest('order-service', 'http_request_duration_seconds', {
        method: 'POST',
        route: '/orders',
        status_code: '202',
      });
      assert.equal(accepted.type, 'histogram');
      assert.equal(accepted.unit, 's');
      assert.ok(accepted.value >= 1, 'the accepted order is counted');
      assert.equal(accepted.bucketCounts.length, accepted.explicitBounds.length + 1);
      assert.equal(
        accepted.bucketCounts.reduce((sum, count) => sum + count, 0),
        accepted.value,
        'per-bucket counts add up to the count',
      );
      assert.equal(accepted.attributes.service, undefined, 'the service is the resource, not a label');

      const published = latest('order-service', 'orderflow_publish_duration_seconds', { topic: Topics.orders });
      assert.equal(published.type, 'histogram');
      assert.ok(published.value >= 1);

      const reserved = latest('stock-service', 'stock_reservations_total', { outcome: 'reserved', replayed: 'false' });
      assert.deepEqual([reserved.type, reserved.isMonotonic], ['sum', true]);
      assert.ok(reserved.value >= 1);

      for (const group of [ConsumerGroups.stock, ConsumerGroups.notification, ConsumerGroups.analytics]) {
        const consumed = latest(group, 'orderflow_events_consumed_total', { topic: Topics.orders, group });
        assert.deepEqual([consumed.type, consumed.isMonotonic], ['sum', true]);
        assert.ok(consumed.value >= 1, `${group} counted the order-created event`);
      }
      const stockEvents = latest('order-service', 'orderflow_events_consumed_total', {
        topic: Topics.stock,
        group: ConsumerGroups.order,
      });
      assert.ok(stockEvents.value >= 1, 'order-service counted the stock decision');
    });

    // Lag is measured every 10 s.
    await eventually('the consumer lag of every group', async () => {
      for (const group of Object.values(ConsumerGroups)) {
        const lag = latest(group, 'orderflow_consumer_lag', { group });
        assert.equal(lag.type, 'gauge');
        assert.match(String(lag.attributes.partition), /^\d+$/);
      }
    });
    // The Node.js runtime metrics of /metrics come along.
    assert.equal(latest('stock-service', 'process_cpu_user_seconds_total').type, 'sum');
    assert.ok(
      receiver.requests
        .filter((request) => request.path === '/v1/metrics')
        .every((r) => r.contentType.includes('json')),
    );
  });
});
