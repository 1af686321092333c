import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fill, renderNotification } from '../src/notification-templates.ts';
import { orderCreated, stockChanged, stockRejected, stockReserved } from './support/events.ts';

test('order-created renders "order received" with the order, product and quantity', () => {
  assert.deepEqual(renderNotification(orderCreated('o-1', 'A001', 2)), {
    orderId: 'o-1',
    subject: 'Order received',
    message: 'We received your order o-1: 2 × A001.',
  });
});

test('stock-reserved renders "order confirmed"', () => {
  assert.deepEqual(renderNotification(stockReserved('o-2', 'B002', 3, 7)), {
    orderId: 'o-2',
    subject: 'Order confirmed',
    message: 'Your order o-2 is confirmed: 3 × B002 reserved.',
  });
});

test('stock-rejected renders "out of stock" with the reason', () => {
  assert.deepEqual(renderNotification(stockRejected('o-3', 'C003', 5, 1)), {
    orderId: 'o-3',
    subject: 'Out of stock',
    message: 'Your order o-3 cannot be fulfilled: C003 is out of stock (5 requested, 1 available).',
  });
  assert.equal(
    renderNotification(stockRejected('o-4', 'C003', 5))?.message,
    'Your order o-4 cannot be fulfilled: C003 is out of stock (not enough stock).',
  );
  assert.equal(
    renderNotification(stockRejected('o-5', 'Z999', 1, undefined, 'UNKNOWN_PRODUCT'))?.message,
    'Your order o-5 cannot be fulfilled: Z999 is out of stock (unknown product).',
  );
});

test('stock-changed is not notified', () => {
  assert.equal(renderNotification(stockChanged('A001', 4)), undefined);
});

test('fill replaces every placeholder and refuses one without a value', () => {
  assert.equal(fill('{a} and {b} and {a}', { a: 1, b: 'two' }), '1 and two and 1');
  assert.throws(() => fill('hello {name}', {}), /placeholder \{name\} has no value/);
});
