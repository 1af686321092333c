import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsumerGroups, Topics } from '@orderflow/contracts';
import { startTraceparent, traceIdOf } from '@orderflow/platform';
import { getOrder, uniqueId } from './support/api.ts';
import { eventually } from '@orderflow/platform/testing';
import { type ReceivedSpan, startOtlpReceiver } from './support/otlp-receiver.ts';
import { ADMIN_TOKEN, withSystem } from './support/system.ts';

// With OTEL_EXPORTER_OTLP_ENDPOINT set, one order is one trace across the four services: the HTTP server span, the
// send span of order-created, a process span per consuming group, the send spans of the stock decision and the
// new availability and their process spans, each the child of the span that caused it, as an OTLP receiver in this process collects them.

const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;
const PRODUCT = 'A001';

test('one order is one trace across the four services, exported over OTLP/HTTP', async (t) => {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const otel = {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  await withSystem(t, 'sqlite', async (system) => {
    const { order, stock } = await system.startAll({
      'order-service': otel,
      'stock-service': otel,
      'notification-service': otel,
      'analytics-service': otel,
    });
    const orderId = uniqueId('e2e-trace');
    // The caller's own span: the server span continues it.
    const caller = startTraceparent();
    const placed = await order.request('POST', '/orders', {
      body: { orderId, productId: PRODUCT, quantity: 1 },
      headers: { traceparent: caller },
    });
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    await eventually(`order ${orderId} decided`, async () => {
      assert.equal((await getOrder(order, orderId)).status, 'CONFIRMED');
    });

    const traceId = traceIdOf(caller) as string;
    const consumers = [ConsumerGroups.stock, ConsumerGroups.notification, ConsumerGroups.analytics];
    const stockConsumers = [ConsumerGroups.order, ConsumerGroups.notification, ConsumerGroups.analytics];
    // The order: 1 server span, its send span, 3 process spans. Its reservation: stock-reserved (keyed by the order)
    // and stock-changed (keyed by the product) sent by stock-service, each processed by 3 groups.
    const spans = await eventually('the spans of the order exported', async () => {
      const found = receiver.spans.filter((span) => span.traceId === traceId);
      assert.equal(found.length, 13, found.map((span) => `${span.service} ${span.name}`).join(', '));
      return found;
    });
    assert.deepEqual(new Set(spans.map((span) => span.service)), new Set(Object.values(ConsumerGroups)));
    const only = (service: string, name: string, key?: string): ReceivedSpan => {
      const matching = spans.filter(
        (span) =>
          span.service === service &&
          span.name === name &&
          (key === undefined || span.attributes['messaging.kafka.message.key'] === key),
      );
      assert.equal(matching.length, 1, `one ${name} span in ${service}${key === undefined ? '' : ` for ${key}`}`);
      return matching[0] as ReceivedSpan;
    };

    const server = only('order-service', 'POST /orders');
    assert.equal(server.kind, SERVER);
    assert.equal(server.parentSpanId, caller.split('-')[2], 'the server span continues the caller');
    assert.equal(server.attributes['http.request.method'], 'POST');
    assert.equal(server.attributes['http.route'], '/orders');
    assert.equal(server.attributes['http.response.status_code'], 202);

    const orderCreated = only('order-service', `send ${Topics.orders}`);
    assertSend(orderCreated, Topics.orders, orderId, server);
    for (const group of consumers) {
      assertProcess(only(group, `process ${Topics.orders}`), Topics.orders, orderId, orderCreated);
    }
    const reservation = only(ConsumerGroups.stock, `process ${Topics.orders}`);
    for (const key of [orderId, PRODUCT]) {
      const decision = only('stock-service', `send ${Topics.stock}`, key);
      assertSend(decision, Topics.stock, key, reservation);
      for (const group of stockConsumers) {
        assertProcess(only(group, `process ${Topics.stock}`, key), Topics.stock, key, decision);
      }
    }

    // An admin change is a trace of its own: PUT on stock-service, its stock-changed event, processed by the groups.
    const adminCaller = startTraceparent();
    const product = uniqueId('TRACE');
    const set = await stock.request('PUT', `/stock/${product}`, {
      body: { available: 5 },
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, traceparent: adminCaller },
    });
    assert.ok(set.status === 200 || set.status === 201, JSON.stringify(set.body));
    const adminSpans = await eventually('the spans of the stock change exported', async () => {
      const found = receiver.spans.filter((span) => span.traceId === traceIdOf(adminCaller));
      assert.equal(found.length, 5, found.map((span) => `${span.service} ${span.name}`).join(', '));
      return found;
    });
    const put = adminSpans.find((span) => span.name === 'PUT /stock/:productId');
    assert.equal(put?.kind, SERVER);
    assert.equal(put?.parentSpanId, adminCaller.split('-')[2]);
    const changed = adminSpans.find((span) => span.name === `send ${Topics.stock}`);
    assert.ok(changed && put);
    assertSend(changed, Topics.stock, product, put);
    for (const group of stockConsumers) {
      const processed = adminSpans.find((span) => span.service === group && span.name === `process ${Topics.stock}`);
      assert.ok(processed, `${group} processed the change`);
      assertProcess(processed, Topics.stock, product, changed);
    }

    // The spans' ids are the traceparents the events carry: the chain has no gap a tracing backend would show.
    const ids = new Set(spans.map((span) => span.spanId));
    for (const span of spans) if (span !== server) assert.ok(ids.has(span.parentSpanId), `${span.name} has its parent`);
  });
});

function assertSend(span: ReceivedSpan, topic: string, key: string, parent: ReceivedSpan): void {
  assert.equal(span.kind, PRODUCER);
  assert.equal(span.parentSpanId, parent.spanId, `send ${topic} is a child of ${parent.service} ${parent.name}`);
  assert.deepEqual(
    pick(span.attributes, ['messaging.system', 'messaging.destination.name', 'messaging.operation.type']),
    { 'messaging.system': 'kafka', 'messaging.destination.name': topic, 'messaging.operation.type': 'send' },
  );
  assert.equal(span.attributes['messaging.kafka.message.key'], key);
}

function assertProcess(span: ReceivedSpan, topic: string, key: string, parent: ReceivedSpan): void {
  assert.equal(span.kind, CONSUMER);
  assert.equal(span.parentSpanId, parent.spanId, `${span.service} ${span.name} is a child of ${parent.name}`);
  assert.deepEqual(
    pick(span.attributes, [
      'messaging.system',
      'messaging.destination.name',
      'messaging.operation.type',
      'messaging.consumer.group.name',
      'messaging.kafka.message.key',
    ]),
    {
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': span.service,
      'messaging.kafka.message.key': key,
    },
  );
  assert.match(String(span.attributes['messaging.destination.partition.id']), /^\d+$/);
  assert.equal(typeof span.attributes['messaging.kafka.offset'], 'number');
  assert.equal(span.statusCode, 0, 'processed without error');
}

function pick(attributes: ReceivedSpan['attributes'], keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, attributes[key]]));
}
