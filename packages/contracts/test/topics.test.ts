import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEvent, EventTopics, EventTypes, partitionKey, Subscriptions, Topics } from '../src/index.ts';

test('every event type goes to a topic some consumer group reads, and every subscribed topic carries events', () => {
  const published = new Set(Object.values(EventTopics));
  const subscribed = new Set(Object.values(Subscriptions).flat());
  for (const type of Object.values(EventTypes)) {
    assert.ok(subscribed.has(EventTopics[type]), `${type} is published to ${EventTopics[type]}, which nobody reads`);
  }
  for (const topic of subscribed) assert.ok(published.has(topic), `${topic} is subscribed to but carries no event`);
  assert.deepEqual([...published].sort(), Object.values(Topics).sort());
});

test('order events are keyed by orderId, stock-changed by productId', () => {
  const source = '/test';
  const created = createEvent(
    EventTypes.orderCreated,
    { orderId: 'o-7', productId: 'p-3', quantity: 1, createdAt: new Date().toISOString() },
    { source },
  );
  const rejected = createEvent(
    EventTypes.stockRejected,
    { orderId: 'o-7', productId: 'p-3', quantity: 1, reason: 'UNKNOWN_PRODUCT' },
    { source },
  );
  const changed = createEvent(
    EventTypes.stockChanged,
    { productId: 'p-3', available: 0, reason: 'RESERVED' },
    { source },
  );
  assert.equal(partitionKey(created), 'o-7');
  assert.equal(partitionKey(rejected), 'o-7');
  assert.equal(partitionKey(changed), 'p-3');
});
