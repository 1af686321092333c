import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventTypes } from '@orderflow/contracts';
import {
  getOrder,
  getProductStats,
  getStats,
  getStock,
  listNotifications,
  notificationSummary,
  placeAcceptedOrder,
  uniqueId,
} from './support/api.ts';
import { eventually } from '@orderflow/platform/testing';
import { BACKENDS, REDIS_TOPOLOGIES, withSystem } from './support/system.ts';

// One order through the four services running as separate processes: accepted, reserved, confirmed, notified and
// counted once, with one trace id from the HTTP request to every service's log.

const PRODUCT = 'A001';
const QUANTITY = 2;
/** How each service names the Redis it opened ("store opened"): the backend's own, not another's. */
const REDIS_SHOWN = {
  redis: /^redis:\/\//,
  'redis-cluster': /^cluster 127\.0\.0\.1:/,
  'redis-sentinel': /^sentinel master /,
};

for (const backend of [...BACKENDS, ...REDIS_TOPOLOGIES]) {
  test(`an order placed over HTTP is confirmed, reserved, notified and counted once (${backend})`, async (t) => {
    await withSystem(t, backend, async (system) => {
      // analytics-service logs its per-event lines at debug (its hot path writes nothing at info): the trace is
      // looked for where the service puts it.
      const { order, stock, notification, analytics } = await system.startAll({
        'analytics-service': { LOG_LEVEL: 'debug' },
      });
      for (const service of [order, stock, notification, analytics]) {
        const [opened] = service.logged({ msg: 'store opened' });
        assert.equal(opened?.backend, backend === 'sqlite' ? 'sqlite' : 'redis', service.label);
        if (backend !== 'sqlite') assert.match(String(opened?.redis), REDIS_SHOWN[backend], service.label);
      }
      const stockBefore = await getStock(stock, PRODUCT);
      const statsBefore = (await getStats(analytics)).totals;
      const orderId = uniqueId('e2e-flow');

      await placeAcceptedOrder(order, { orderId, productId: PRODUCT, quantity: QUANTITY });

      const confirmed = await eventually(`order ${orderId} decided`, async () => {
        const view = await getOrder(order, orderId);
        assert.notEqual(view.status, 'PENDING');
        return view;
      });
      assert.equal(confirmed.status, 'CONFIRMED', JSON.stringify(confirmed));
      assert.deepEqual(
        confirmed.history.map((entry) => entry.status),
        ['PENDING', 'CONFIRMED'],
      );
      assert.equal(await getStock(stock, PRODUCT), stockBefore - QUANTITY);

      // notification-service notifies on order-created and on the stock decision, once per event and channel; the
      // default channel is `log` alone, so an order that is confirmed gets exactly two notifications.
      const notifications = await eventually(`notifications of ${orderId} sent`, async () => {
        const found = await listNotifications(notification, orderId);
        assert.equal(found.filter((n) => n.status === 'SENT').length, 2, JSON.stringify(found));
        return found;
      });
      assert.deepEqual(notificationSummary(notifications), [
        `${EventTypes.orderCreated} log SENT Order received`,
        `${EventTypes.stockReserved} log SENT Order confirmed`,
      ]);
      assert.deepEqual(
        notifications.map((n) => n.id).sort(),
        notifications.map((n) => `${n.eventId}:log`).sort(),
        'a notification is identified by its event and channel',
      );
      assert.ok(notifications.every((n) => n.attempts === 1 && n.message.includes(orderId)));

      // Counted once: exactly one more order and one more confirmation, overall and for the product.
      const stats = await eventually('analytics counted the order and its confirmation', async () => {
        const totals = (await getStats(analytics)).totals;
        // The order (order-topic) and its confirmation (stock-topic) are counted in either order: wait for both.
        assert.ok(totals.orders > statsBefore.orders && totals.confirmed > statsBefore.confirmed);
        return totals;
      });
      assert.deepEqual(
        { orders: stats.orders, quantity: stats.quantity, confirmed: stats.confirmed, rejected: stats.rejected },
        {
          orders: statsBefore.orders + 1,
          quantity: statsBefore.quantity + QUANTITY,
          confirmed: statsBefore.confirmed + 1,
          rejected: statsBefore.rejected,
        },
      );
      assert.deepEqual(await getProductStats(analytics, PRODUCT), {
        orders: 1,
        quantity: QUANTITY,
        confirmed: 1,
        rejected: 0,
      });

      // The trace order-service started for the request (it logs it with the accepted order) travels in the
      // events' traceparent headers: every service logs its work on this order under the same trace id.
      const [accepted] = order.logged({ msg: 'order accepted', orderId });
      assert.ok(accepted, 'order-service logged the accepted order');
      const traceId = accepted.traceId;
      assert.match(String(traceId), /^[0-9a-f]{32}$/);
      const orderCreatedEventId = notifications.find((n) => n.eventType === EventTypes.orderCreated)!.eventId;
      assert.equal(accepted.eventId, orderCreatedEventId, 'the notified order-created is the one order-service sent');

      await eventually('the trace id in every service log', async () => {
        assert.equal(order.logged({ msg: 'order confirmed', orderId, traceId }).length, 1, 'order-service');
        assert.equal(stock.logged({ msg: 'stock reserved', orderId, traceId }).length, 1, 'stock-service');
        assert.deepEqual(
          notification
            .logged({ msg: 'notification', orderId, traceId })
            .map((line) => line.subject)
            .sort(),
          ['Order confirmed', 'Order received'],
          'notification-service',
        );
        const counted = analytics.logged({ msg: 'event counted', traceId }).map((line) => line.eventType);
        assert.deepEqual(counted.sort(), [EventTypes.orderCreated, EventTypes.stockReserved], 'analytics-service');
      });
    });
  });
}
