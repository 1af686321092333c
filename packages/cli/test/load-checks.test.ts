// The checks after a load run, on settlements made up here: each one holds for a consistent system and names what
// is wrong when it does not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventTypes } from '@orderflow/contracts';
import { runChecks } from '../src/load/checks.ts';
import type { AcceptedOrder, DuplicateTally } from '../src/load/order-traffic.ts';
import type { NotificationView, OrderView, ProductStats, Settlement } from '../src/load/settlement.ts';

const products = ['P-001', 'P-002'];
const INITIAL = 10;

function order(n: number, productId: string, quantity: number, duplicated = false): AcceptedOrder {
  return { orderId: `o${n}`, idempotencyKey: `k${n}`, productId, quantity, duplicated };
}

function notes(...types: string[]): NotificationView[] {
  return types.map((eventType) => ({ eventType, channel: 'log', status: 'SENT' }));
}

/** Three orders: two confirmed on P-001 (2 + 3 units), one rejected on P-002; one duplicate replayed. */
function consistent(): { settlement: Settlement; duplicates: DuplicateTally } {
  const accepted = [order(1, 'P-001', 2, true), order(2, 'P-001', 3), order(3, 'P-002', 20)];
  const pending = { status: 'PENDING', at: '' };
  const orders = new Map<string, OrderView>([
    ['o1', { status: 'CONFIRMED', history: [pending, { status: 'CONFIRMED' }] }],
    ['o2', { status: 'CONFIRMED', history: [pending, { status: 'CONFIRMED' }] }],
    ['o3', { status: 'REJECTED', history: [pending, { status: 'REJECTED' }] }],
  ]);
  const notifications = new Map<string, NotificationView[]>([
    ['o1', notes(EventTypes.orderCreated, EventTypes.stockReserved)],
    ['o2', notes(EventTypes.orderCreated, EventTypes.stockReserved)],
    ['o3', notes(EventTypes.orderCreated, EventTypes.stockRejected)],
  ]);
  const analytics = new Map<string, ProductStats>([
    ['P-001', { orders: 2, quantity: 5, confirmed: 2, rejected: 0 }],
    ['P-002', { orders: 1, quantity: 20, confirmed: 0, rejected: 1 }],
  ]);
  const settlement: Settlement = {
    accepted,
    acceptedUnanswered: 0,
    orders,
    notifications,
    stock: new Map([
      ['P-001', 5],
      ['P-002', 10],
    ]),
    analytics,
    waitedMs: 0,
    timedOut: [],
  };
  return { settlement, duplicates: { sent: 1, replayed: 1, secondOrders: 0, unanswered: 0 } };
}

function failing(settlement: Settlement, duplicates: DuplicateTally) {
  return runChecks(settlement, products, INITIAL, duplicates).filter((check) => !check.ok);
}

test('a consistent run passes all six checks', () => {
  const { settlement, duplicates } = consistent();
  const checks = runChecks(settlement, products, INITIAL, duplicates);
  assert.equal(checks.length, 6);
  assert.deepEqual(
    checks.filter((check) => !check.ok),
    [],
  );
});

test('an order left PENDING fails the decision check (and the checks that depend on its decision)', () => {
  const { settlement, duplicates } = consistent();
  (settlement.orders as Map<string, OrderView>).set('o2', { status: 'PENDING', history: [] });
  const names = failing(settlement, duplicates).map((check) => check.name);
  assert.ok(names.includes('every accepted order reached CONFIRMED or REJECTED'));
  assert.match(
    runChecks(settlement, products, INITIAL, duplicates)[0]!.actual,
    /2 decided \(1 CONFIRMED, 1 REJECTED\), 1 PENDING/,
  );
});

test('stock below zero, and stock taken that no confirmed order explains, are both reported per product', () => {
  const { settlement, duplicates } = consistent();
  (settlement.stock as Map<string, number>).set('P-002', -1);
  const failed = failing(settlement, duplicates);
  assert.deepEqual(
    failed.map((check) => check.name),
    ['no stock is negative', 'initial - final stock = confirmed quantity, per product'],
  );
  assert.deepEqual(failed[1]!.details, ['P-002: 10 - -1 = 11, confirmed 0']);
});

test('a duplicate answered as a new order fails the duplicate check', () => {
  const { settlement } = consistent();
  const failed = failing(settlement, { sent: 1, replayed: 0, secondOrders: 1, unanswered: 0 });
  assert.deepEqual(
    failed.map((check) => check.name),
    ['duplicate submissions created no second order'],
  );
  assert.match(failed[0]!.actual, /0 replayed, 0 unanswered, 1 answered as new orders/);
});

test('a duplicate that got no answer is reported as unanswered and passes while no order was doubled', () => {
  const { settlement } = consistent();
  const checks = runChecks(settlement, products, INITIAL, { sent: 1, replayed: 0, secondOrders: 0, unanswered: 1 });
  const duplicateCheck = checks.find((check) => check.name === 'duplicate submissions created no second order');
  assert.equal(duplicateCheck?.ok, true);
  assert.match(duplicateCheck.actual, /0 replayed, 1 unanswered, 0 answered as new orders/);
});

test('an unanswered duplicate that went through all the same fails the check through the order history', () => {
  const { settlement } = consistent();
  const twice = { status: 'PENDING', at: '' };
  const orders = new Map(settlement.orders);
  orders.set('o1', { status: 'CONFIRMED', history: [twice, twice, { status: 'CONFIRMED' }] });
  const failed = failing({ ...settlement, orders }, { sent: 1, replayed: 0, secondOrders: 0, unanswered: 1 });
  assert.deepEqual(
    failed.map((check) => check.name),
    ['duplicate submissions created no second order'],
  );
  assert.deepEqual(failed[0]!.details, ['o1: history has two PENDING steps']);
});

test('a second notification for one event and channel, or a missing one, fails the notification check', () => {
  const { settlement, duplicates } = consistent();
  const notifications = settlement.notifications as Map<string, NotificationView[]>;
  notifications.set('o1', notes(EventTypes.orderCreated, EventTypes.orderCreated, EventTypes.stockReserved));
  notifications.set('o3', notes(EventTypes.orderCreated));
  const [check] = failing(settlement, duplicates);
  assert.equal(check?.name, 'one notification per event and channel');
  assert.match(check.actual, /^6: 1 missing, 1 extra/);
  assert.deepEqual(check.details, ['o1: 0 missing, 1 extra', 'o3: 1 missing, 0 extra']);
});

test('analytics counting an order twice fails the analytics check', () => {
  const { settlement, duplicates } = consistent();
  (settlement.analytics as Map<string, ProductStats>).set('P-001', {
    orders: 3,
    quantity: 7,
    confirmed: 2,
    rejected: 0,
  });
  const [check] = failing(settlement, duplicates);
  assert.equal(check?.name, 'analytics per product = accepted, confirmed, rejected');
  assert.deepEqual(check.details, ['P-001: expected 2/2/0, counted 3/2/0 (orders/confirmed/rejected)']);
});
