import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { type AnyCloudEvent, EventTypes, Topics } from '@orderflow/contracts';
import {
  byOrder,
  getProductStats,
  getStock,
  listNotifications,
  listOrders,
  notificationSummary,
  type OrderView,
  placeOrder,
  setStock,
  uniqueId,
} from './support/api.ts';
import { eventually } from '@orderflow/platform/testing';
import { readTopics } from './support/kafka.ts';
import { BACKENDS, type Service, withSystem } from './support/system.ts';

// 200 one-unit orders race for 50 units, decided by two stock-service instances sharing the consumer group: exactly
// 50 win, stock ends at 0 without ever going below, and analytics and notifications agree with the orders.

const ORDERS = 200;
const STOCK = 50;
/** What stock-service logs for each order it decides. */
const DECISION_MESSAGES = ['stock reserved', 'stock rejected: insufficient stock'];

// On a Redis Cluster too: stock-service's reservation script runs in the one slot of the {stock} hash tag, so the
// batch the two instances race with is still decided atomically.
for (const backend of [...BACKENDS, 'redis-cluster'] as const) {
  test(`${ORDERS} concurrent orders for ${STOCK} units: exactly ${STOCK} confirmed across two stock-service instances (${backend})`, async (t) => {
    await withSystem(t, backend, async (system) => {
      const [order, stockA, stockB, notification, analytics] = await Promise.all([
        system.start('order-service'),
        system.start('stock-service'),
        system.start('stock-service'),
        system.start('notification-service'),
        system.start('analytics-service'),
      ]);
      await sharingOrderTopic([stockA, stockB]);

      const product = uniqueId('E2E');
      await setStock(stockA, product, STOCK);
      const decisions = await readTopics(system.bootstrap, [Topics.stock]);
      let levels: StockSampler | undefined;
      try {
        // order-service refuses an order at the door (409 OUT_OF_STOCK) once a stock event told it the product is
        // sold out. Deciding while orders still arrive would turn a timing-dependent share of the 200 into such
        // refusals; pausing the stock-service processes (still members of the group) lets every order in first, and
        // the two instances then drain the backlog concurrently against the one stock level.
        stockA.pause();
        stockB.pause();
        const orderIds = Array.from({ length: ORDERS }, (_, index) => `${product}-${String(index).padStart(3, '0')}`);
        const placed = await Promise.all(
          orderIds.map((orderId) => placeOrder(order, { orderId, productId: product, quantity: 1 })),
        );
        stockA.resume();
        stockB.resume();
        const refused = placed.filter((answer) => answer.status !== 202).map((answer) => answer.body);
        assert.deepEqual(refused, [], 'every order is accepted');

        levels = sampleStock(stockA, product);
        const decided = await eventually(
          `all ${ORDERS} orders decided`,
          async () => {
            const [confirmed, rejected] = await Promise.all([
              listOrders(order, 'CONFIRMED'),
              listOrders(order, 'REJECTED'),
            ]);
            const ours = (list: OrderView[]) => list.filter((view) => view.productId === product);
            const result = { confirmed: ours(confirmed), rejected: ours(rejected) };
            assert.equal(result.confirmed.length + result.rejected.length, ORDERS, JSON.stringify(counts(result)));
            return result;
          },
          { timeoutMs: 60_000 },
        );
        const sampled = await levels.stop();

        assert.deepEqual(counts(decided), { confirmed: STOCK, rejected: ORDERS - STOCK });
        const decidedIds = [...decided.confirmed, ...decided.rejected].map((view) => view.orderId).sort();
        assert.deepEqual(decidedIds, orderIds, 'every order decided once');
        assert.ok(decided.rejected.every((view) => view.reason === 'INSUFFICIENT_STOCK'));
        assert.equal(await getStock(stockA, product), 0);
        assert.equal(await getStock(stockB, product), 0);
        assert.ok(sampled.length > 0);
        assert.ok(
          sampled.every((level, index) => level >= 0 && (index === 0 || level <= sampled[index - 1]!)),
          `stock only goes down and never below 0: ${sampled.join(' ')}`,
        );

        // The published decisions, read from stock-topic: each unit went to exactly one order (the levels left
        // after the 50 reservations are 49..0, each once), and no order got two different outcomes.
        const published = await eventually('every decision on stock-topic', async () => {
          const outcomes = decisionsFor(decisions.records, product);
          assert.equal(outcomes.size, ORDERS);
          return outcomes;
        });
        const remaining = [...published.values()]
          .filter((outcome) => outcome.type === EventTypes.stockReserved)
          .map((outcome) => outcome.level)
          .sort((a, b) => a - b);
        assert.deepEqual(
          remaining,
          Array.from({ length: STOCK }, (_, level) => level),
        );
        const rejectedLevels = [...published.values()]
          .filter((outcome) => outcome.type === EventTypes.stockRejected)
          .map((outcome) => outcome.level);
        assert.deepEqual(new Set(rejectedLevels), new Set([0]), 'an order is rejected only once nothing is left');
        const confirmedIds = new Set(decided.confirmed.map((view) => view.orderId));
        for (const [orderId, outcome] of published) {
          assert.equal(outcome.type === EventTypes.stockReserved, confirmedIds.has(orderId), orderId);
        }

        // Both instances took part: each decided orders of the partitions it was assigned.
        for (const instance of [stockA, stockB]) {
          const lines = instance.lines.filter(
            (line) => line.productId === product && DECISION_MESSAGES.includes(line.msg),
          );
          assert.ok(lines.length > 0, `${instance.label} decided some of the orders`);
        }

        const stats = await eventually('analytics counted every order and decision', async () => {
          const counted = await getProductStats(analytics, product);
          assert.equal((counted?.confirmed ?? 0) + (counted?.rejected ?? 0), ORDERS, JSON.stringify(counted));
          return counted;
        });
        assert.deepEqual(stats, { orders: ORDERS, quantity: ORDERS, confirmed: STOCK, rejected: ORDERS - STOCK });

        const notifications = await eventually('two notifications sent per order', async () => {
          const all = await listNotifications(notification);
          assert.equal(all.filter((n) => n.status === 'SENT').length, 2 * ORDERS);
          return all;
        });
        const perOrder = byOrder(notifications);
        assert.equal(perOrder.size, ORDERS);
        assert.equal(new Set(notifications.map((n) => n.id)).size, notifications.length, 'no notification twice');
        for (const orderId of orderIds) {
          const decision = confirmedIds.has(orderId)
            ? `${EventTypes.stockReserved} log SENT Order confirmed`
            : `${EventTypes.stockRejected} log SENT Out of stock`;
          assert.deepEqual(
            notificationSummary(perOrder.get(orderId) ?? []),
            [`${EventTypes.orderCreated} log SENT Order received`, decision].sort(),
            orderId,
          );
        }
      } finally {
        stockA.resume();
        stockB.resume();
        await levels?.stop().catch(() => undefined);
        await decisions.stop();
      }
    });
  });
}

/** Waits until both instances are in the same generation of the group, each with a share of order-topic. */
async function sharingOrderTopic(instances: readonly Service[]): Promise<void> {
  await eventually('two stock-service instances sharing order-topic', async () => {
    const latest = instances.map((instance) => {
      const joins = instance.logged({ msg: 'kafka consumer group joined', groupId: 'stock-service' });
      return joins.at(-1);
    });
    assert.ok(latest.every((join) => join !== undefined));
    assert.equal(new Set(latest.map((join) => join!.generationId)).size, 1, 'one generation');
    const shares = latest.map((join) => join!.assignments as string[]);
    assert.ok(
      shares.every((share) => share.length > 0),
      JSON.stringify(shares),
    );
    assert.deepEqual(shares.flat().sort(), ['order-topic:0', 'order-topic:1', 'order-topic:2']);
  });
}

interface Decision {
  readonly type: string;
  /** `remaining` of a reservation, `available` of a rejection. */
  readonly level: number;
}

/** One decision per order about `product`; a decision republished after a redelivery has the same event id. */
function decisionsFor(
  records: readonly { readonly event: AnyCloudEvent | undefined }[],
  product: string,
): Map<string, Decision & { readonly eventId: string }> {
  const decisions = new Map<string, Decision & { readonly eventId: string }>();
  for (const { event } of records) {
    if (event === undefined) continue;
    if (event.type !== EventTypes.stockReserved && event.type !== EventTypes.stockRejected) continue;
    if (event.data.productId !== product) continue;
    const level = event.type === EventTypes.stockReserved ? event.data.remaining : (event.data.available ?? -1);
    const earlier = decisions.get(event.data.orderId);
    assert.ok(earlier === undefined || earlier.eventId === event.id, `one decision for ${event.data.orderId}`);
    decisions.set(event.data.orderId, { type: event.type, level, eventId: event.id });
  }
  return decisions;
}

function counts(decided: { confirmed: readonly OrderView[]; rejected: readonly OrderView[] }) {
  return { confirmed: decided.confirmed.length, rejected: decided.rejected.length };
}

interface StockSampler {
  /** Ends the sampling and resolves with every level read, in order; rejects if a read failed. */
  stop(): Promise<number[]>;
}

/** Reads the product's stock level over and over until stopped, to catch a level below zero while it happens. */
function sampleStock(stock: Service, product: string): StockSampler {
  const levels: number[] = [];
  let running = true;
  const sampling = (async () => {
    while (running) {
      levels.push(await getStock(stock, product));
      await delay(20);
    }
  })();
  // Observed through stop(); until then a failed read must not count as an unhandled rejection.
  sampling.catch(() => undefined);
  return {
    async stop() {
      running = false;
      await sampling;
      return levels;
    },
  };
}
