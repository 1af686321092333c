import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEvent, decodeEvent, eventRecord, EventTypes, Topics } from '../src/index.ts';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

test('an event becomes its topic, partition key, CloudEvents value and content-type header', () => {
  const created = createEvent(
    EventTypes.orderCreated,
    { orderId: 'o-7', productId: 'p-3', quantity: 2, createdAt: new Date().toISOString() },
    { source: '/test', traceparent: TRACEPARENT },
  );
  const record = eventRecord(created);
  assert.equal(record.topic, Topics.orders);
  assert.equal(record.key, 'o-7');
  assert.deepEqual(record.headers, { 'content-type': 'application/cloudevents+json; charset=UTF-8' });
  assert.equal(record.traceparent, TRACEPARENT);
  assert.deepEqual(decodeEvent(record.value), { ok: true, event: created });
});

test('stock-changed goes to stock-topic keyed by product; an event without trace context carries none', () => {
  const changed = createEvent(
    EventTypes.stockChanged,
    { productId: 'p-3', available: 4, reason: 'RESERVED' },
    { source: '/test' },
  );
  const record = eventRecord(changed);
  assert.equal(record.topic, Topics.stock);
  assert.equal(record.key, 'p-3');
  assert.equal('traceparent' in record, false);
});
