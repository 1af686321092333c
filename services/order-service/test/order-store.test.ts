import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { PlatformErrors } from '@orderflow/platform';
import { type AcceptedOrder, orderLocation, pendingOrder } from '../src/order.ts';
import type { OrderStore, StockOutcome, StoredResponse } from '../src/order-store.ts';
import { confirmedOrder } from './support/expected-orders.ts';
import { backends, type TestStore } from './support/test-backends.ts';

// One suite for both backends: what order-service relies on must hold on Redis in production and on SQLite alike.

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function accepted(overrides: Partial<AcceptedOrder> = {}): AcceptedOrder {
  return {
    orderId: `o-${randomUUID()}`,
    productId: `P-${randomUUID().slice(0, 8)}`,
    quantity: 2,
    customerId: 'c-1',
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}

function responseFor(order: AcceptedOrder): StoredResponse {
  return { statusCode: 202, location: orderLocation(order.orderId), body: pendingOrder(order) };
}

function outcome(order: AcceptedOrder, overrides: Partial<StockOutcome> = {}): StockOutcome {
  return {
    orderId: order.orderId,
    productId: order.productId,
    quantity: order.quantity,
    status: 'CONFIRMED',
    eventId: randomUUID(),
    at: new Date(Date.parse(order.createdAt) + 5).toISOString(),
    available: 7,
    ...overrides,
  };
}

for (const backend of backends) {
  describe(`OrderStore on ${backend.name}`, () => {
    let data: TestStore;
    let store: OrderStore;
    let other: OrderStore;

    before(async () => {
      data = backend.fresh();
      store = (await data.open()).store;
      other = (await data.open()).store;
    });
    after(() => data.cleanup());

    const admit = (s: OrderStore, keys: string[], requestHash: string, productId = 'P-any', claimTtlMs = MINUTE) =>
      s.admit({ keys, requestHash, productId, claimTtlMs });

    test('a claimed key is in flight for the same request and a mismatch for another, from any instance', async () => {
      const key = `key:${randomUUID()}`;
      assert.deepEqual(await admit(store, [key], 'h1'), { status: 'admitted' });
      assert.deepEqual(await admit(other, [key], 'h1'), { status: 'in-flight', key });
      assert.deepEqual(await admit(other, [key], 'h2'), { status: 'mismatch', key });
    });

    test('accept records a PENDING order and completes the keys: later admits replay the response', async () => {
      const order = accepted();
      const keys = [`key:${randomUUID()}`, `order:${order.orderId}`];
      assert.deepEqual(await admit(store, keys, 'h1'), { status: 'admitted' });
      await store.accept(order, { keys, requestHash: 'h1', response: responseFor(order), ttlMs: DAY });

      assert.deepEqual(await admit(other, keys, 'h1'), {
        status: 'replay',
        key: keys[0],
        response: responseFor(order),
      });
      // The order id alone, reached with another Idempotency-Key, finds the same answer.
      const viaOrderId = await admit(other, [`key:${randomUUID()}`, `order:${order.orderId}`], 'h1');
      assert.deepEqual(viaOrderId, { status: 'replay', key: `order:${order.orderId}`, response: responseFor(order) });
      assert.deepEqual(await admit(other, [`key:${randomUUID()}`, `order:${order.orderId}`], 'h2'), {
        status: 'mismatch',
        key: `order:${order.orderId}`,
      });
      assert.deepEqual(await other.get(order.orderId), pendingOrder(order));
    });

    test('admitting claims every key or none', async () => {
      const taken = `order:${randomUUID()}`;
      const fresh = `key:${randomUUID()}`;
      await admit(store, [taken], 'h1');
      assert.deepEqual(await admit(store, [fresh, taken], 'h1'), { status: 'in-flight', key: taken });
      assert.deepEqual(await admit(other, [fresh], 'h1'), { status: 'admitted' }, 'the fresh key was not claimed');
    });

    test('release frees claimed keys for a retry but never removes a completed response', async () => {
      const key = `key:${randomUUID()}`;
      await admit(store, [key], 'h1');
      await store.release([key], 'h1');
      assert.deepEqual(await admit(other, [key], 'h1'), { status: 'admitted' });

      const order = accepted();
      await other.accept(order, { keys: [key], requestHash: 'h1', response: responseFor(order), ttlMs: DAY });
      await store.release([key], 'h1');
      assert.equal((await admit(store, [key], 'h1')).status, 'replay');
    });

    test('release by a request with other content leaves the claim alone', async () => {
      const key = `key:${randomUUID()}`;
      await admit(store, [key], 'h1');
      await store.release([key], 'h2');
      assert.deepEqual(await admit(other, [key], 'h1'), { status: 'in-flight', key });
    });

    test('a claim whose holder never finishes lapses after its ttl', { timeout: 10_000 }, async () => {
      const key = `key:${randomUUID()}`;
      assert.deepEqual(await admit(store, [key], 'h1', 'P-any', 100), { status: 'admitted' });
      let result = await admit(other, [key], 'h1', 'P-any', MINUTE);
      assert.equal(result.status, 'in-flight');
      while (result.status === 'in-flight') {
        await delay(20);
        result = await admit(other, [key], 'h1', 'P-any', MINUTE);
      }
      assert.deepEqual(result, { status: 'admitted' });
    });

    test('of 20 concurrent admits of one key across two instances exactly one is admitted', async () => {
      const key = `key:${randomUUID()}`;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => admit(i % 2 === 0 ? store : other, [key], 'h1')),
      );
      assert.equal(results.filter((r) => r.status === 'admitted').length, 1);
      assert.equal(results.filter((r) => r.status === 'in-flight').length, 19);
    });

    test('a product known to be sold out is refused without claiming; a completed key still replays', async () => {
      const order = accepted();
      const key = `key:${randomUUID()}`;
      await admit(store, [key], 'h1', order.productId);
      await store.accept(order, { keys: [key], requestHash: 'h1', response: responseFor(order), ttlMs: DAY });
      await store.recordAvailability({ productId: order.productId, available: 0, at: new Date().toISOString() });

      assert.equal((await admit(other, [key], 'h1', order.productId)).status, 'replay');
      const newKey = `key:${randomUUID()}`;
      assert.deepEqual(await admit(other, [newKey], 'h1', order.productId), { status: 'out-of-stock' });
      assert.deepEqual(await admit(other, [], 'h1', order.productId), { status: 'out-of-stock' });

      await store.recordAvailability({ productId: order.productId, available: 3, at: new Date().toISOString() });
      assert.deepEqual(await admit(other, [newKey], 'h1', order.productId), { status: 'admitted' });
      assert.equal(await other.availability(order.productId), 3);
    });

    test('availability keeps the report of the latest event, whatever order they arrive in', async () => {
      const productId = `P-${randomUUID().slice(0, 8)}`;
      const t0 = Date.now();
      const at = (ms: number) => new Date(t0 + ms).toISOString();
      assert.equal(await store.availability(productId), undefined);
      await store.recordAvailability({ productId, available: 5, at: at(20) });
      await store.recordAvailability({ productId, available: 0, at: at(10) });
      assert.equal(await store.availability(productId), 5);
      const order = accepted({ productId });
      await store.recordStockOutcome(outcome(order, { at: at(30), available: 4 }));
      assert.equal(await store.availability(productId), 4);
      await store.recordStockOutcome(
        outcome(accepted({ productId }), {
          at: at(25),
          status: 'REJECTED',
          reason: 'INSUFFICIENT_STOCK',
          available: 0,
        }),
      );
      assert.equal(await store.availability(productId), 4);
    });

    test('a stock decision moves a PENDING order once; redeliveries and late contrary events change nothing', async () => {
      const order = accepted();
      await store.accept(order, { keys: [], requestHash: 'h1', response: responseFor(order), ttlMs: DAY });
      const reserved = outcome(order);
      assert.equal(await store.recordStockOutcome(reserved), true);
      assert.equal(await other.recordStockOutcome(reserved), false);
      assert.equal(
        await other.recordStockOutcome(outcome(order, { status: 'REJECTED', reason: 'INSUFFICIENT_STOCK' })),
        false,
      );

      const stored = await other.get(order.orderId);
      assert.ok(stored);
      assert.equal(stored.status, 'CONFIRMED');
      assert.equal(stored.reason, undefined);
      assert.equal(stored.updatedAt, reserved.at);
      assert.deepEqual(stored.history, confirmedOrder(order, reserved).history);
    });

    test('a rejection records its reason', async () => {
      const order = accepted();
      await store.accept(order, { keys: [], requestHash: 'h1', response: responseFor(order), ttlMs: DAY });
      const rejected = outcome(order, { status: 'REJECTED', reason: 'UNKNOWN_PRODUCT', available: undefined });
      assert.equal(await store.recordStockOutcome(rejected), true);
      const stored = await store.get(order.orderId);
      assert.equal(stored?.status, 'REJECTED');
      assert.equal(stored?.reason, 'UNKNOWN_PRODUCT');
      assert.deepEqual(stored?.history.at(-1), {
        status: 'REJECTED',
        at: rejected.at,
        reason: 'UNKNOWN_PRODUCT',
        eventId: rejected.eventId,
      });
    });

    test('a decision that overtakes the acceptance is kept, and the acceptance fills in the rest', async () => {
      const order = accepted();
      const reserved = outcome(order);
      assert.equal(await store.recordStockOutcome(reserved), true);
      const early = await store.get(order.orderId);
      assert.equal(early?.status, 'CONFIRMED');
      assert.equal(early?.quantity, order.quantity);

      await other.accept(order, { keys: [], requestHash: 'h1', response: responseFor(order), ttlMs: DAY });
      assert.deepEqual(await store.get(order.orderId), confirmedOrder(order, reserved));
      assert.deepEqual(
        (await store.list({ status: 'CONFIRMED', limit: 500 })).map((o) => o.orderId).includes(order.orderId),
        true,
      );
    });

    test('an order accepted twice keeps its first acceptance', async () => {
      const order = accepted();
      await store.accept(order, { keys: [], requestHash: 'h1', response: responseFor(order), ttlMs: DAY });
      await other.accept(
        { ...order, quantity: 9 },
        { keys: [], requestHash: 'h2', response: responseFor(order), ttlMs: DAY },
      );
      assert.deepEqual(await store.get(order.orderId), pendingOrder(order));
    });

    test('list returns the newest first, filtered by status and capped by limit', async () => {
      const t0 = Date.now() + DAY;
      const orders = [0, 1, 2, 3].map((i) => accepted({ createdAt: new Date(t0 + i * 1000).toISOString() }));
      for (const order of orders) {
        await store.accept(order, { keys: [], requestHash: 'h', response: responseFor(order), ttlMs: DAY });
      }
      await store.recordStockOutcome(outcome(orders[1]!, { at: new Date(t0 + 5000).toISOString() }));
      await store.recordStockOutcome(
        outcome(orders[2]!, {
          status: 'REJECTED',
          reason: 'INSUFFICIENT_STOCK',
          at: new Date(t0 + 5000).toISOString(),
        }),
      );

      const ids = (list: { orderId: string }[]) => list.map((o) => o.orderId);
      assert.deepEqual(
        ids(await other.list({ limit: 3 })),
        [orders[3]!, orders[2]!, orders[1]!].map((o) => o.orderId),
      );
      assert.deepEqual(ids(await other.list({ status: 'PENDING', limit: 2 })), [
        orders[3]!.orderId,
        orders[0]!.orderId,
      ]);
      assert.deepEqual(ids(await other.list({ status: 'CONFIRMED', limit: 1 })), [orders[1]!.orderId]);
      assert.deepEqual(ids(await other.list({ status: 'REJECTED', limit: 1 })), [orders[2]!.orderId]);
      const [newest] = await other.list({ limit: 1 });
      assert.deepEqual(newest, pendingOrder(orders[3]!));
    });

    test('a stored history entry that is not JSON is STORED_RECORD_CORRUPT, not retriable', async () => {
      const order = accepted();
      await store.accept(order, { keys: [], requestHash: 'h', response: responseFor(order), ttlMs: MINUTE });
      const { platform } = await data.open();
      const { backend: connection } = platform;
      if (connection.kind === 'sqlite') {
        connection.db.prepare("UPDATE order_history SET entry = '{' WHERE order_id = ?").run(order.orderId);
      } else {
        await connection.redis.lset(`${connection.keyPrefix}{orders}:order-history:${order.orderId}`, 0, '{');
      }
      await assert.rejects(store.get(order.orderId), (error: unknown) => {
        assert.ok(PlatformErrors.is(error, 'STORED_RECORD_CORRUPT'), `expected STORED_RECORD_CORRUPT, got ${error}`);
        assert.equal(error.retriable, false);
        assert.match(error.message, new RegExp(`history of order ${order.orderId}`));
        return true;
      });
    });

    test('a call after the platform store closed is STORE_UNAVAILABLE (retriable), as on every store', async () => {
      const { store: closed, platform } = await data.open();
      await platform.close();
      for (const call of [() => closed.get('o-closed'), () => closed.ping()]) {
        await assert.rejects(call(), (error: unknown) => {
          assert.ok(PlatformErrors.is(error, 'STORE_UNAVAILABLE'), `expected STORE_UNAVAILABLE, got ${error}`);
          return true;
        });
      }
    });

    test('get of an unknown order is undefined; ping answers', async () => {
      assert.equal(await store.get(`o-${randomUUID()}`), undefined);
      await store.ping();
    });
  });
}
