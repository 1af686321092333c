import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConsumerGroups,
  createEvent,
  deadLetterTopic,
  EventTopics,
  EventTypes,
  partitionKey,
  Topics,
} from '../src/index.ts';

test('topic names are the ones the system and its operators use', () => {
  assert.equal(Topics.orders, 'order-topic');
  assert.equal(Topics.stock, 'stock-topic');
  assert.equal(EventTopics[EventTypes.orderCreated], 'order-topic');
  assert.equal(EventTopics[EventTypes.stockReserved], 'stock-topic');
});

test('dead-letter topics are per topic and consumer group', () => {
  assert.equal(deadLetterTopic(Topics.orders, ConsumerGroups.stock), 'order-topic.stock-service.dlq');
  assert.notEqual(
    deadLetterTopic(Topics.orders, ConsumerGroups.stock),
    deadLetterTopic(Topics.orders, ConsumerGroups.analytics),
  );
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
