// The consistency checks of a load run, each with what was expected and what the services said, so a failure reads
// as a finding rather than a bare "no".
import { EventTypes } from '@orderflow/contracts';
import type { DuplicateTally } from './order-traffic.ts';
import { decisionEventType, expectedStats, type Settlement } from './settlement.ts';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly expected: string;
  readonly actual: string;
  /** Up to a few offending items, for a failed check. */
  readonly details?: readonly string[];
}

const DETAILS_SHOWN = 5;

export function runChecks(
  settlement: Settlement,
  productIds: readonly string[],
  initialStock: number,
  duplicates: DuplicateTally,
): Check[] {
  return [
    ordersDecided(settlement),
    noNegativeStock(settlement, productIds),
    stockMatchesConfirmed(settlement, productIds, initialStock),
    duplicatesReplayed(settlement, duplicates),
    notificationsOnce(settlement),
    analyticsMatches(settlement, productIds),
  ];
}

function ordersDecided({ accepted, orders }: Settlement): Check {
  let confirmed = 0;
  let rejected = 0;
  let pending = 0;
  const missing: string[] = [];
  for (const order of accepted) {
    const status = orders.get(order.orderId)?.status;
    if (status === 'CONFIRMED') confirmed++;
    else if (status === 'REJECTED') rejected++;
    else if (status === 'PENDING') pending++;
    else missing.push(order.orderId);
  }
  return {
    name: 'every accepted order reached CONFIRMED or REJECTED',
    ok: confirmed + rejected === accepted.length,
    expected: `${accepted.length} decided`,
    actual: `${confirmed + rejected} decided (${confirmed} CONFIRMED, ${rejected} REJECTED), ${pending} PENDING, ${missing.length} not found`,
    details: missing.slice(0, DETAILS_SHOWN).map((id) => `${id}: GET /orders/${id} found nothing`),
  };
}

function noNegativeStock({ stock }: Settlement, productIds: readonly string[]): Check {
  const negative = productIds.filter((id) => (stock.get(id) ?? 0) < 0);
  const unknown = productIds.filter((id) => !stock.has(id));
  const levels = [...stock.values()];
  return {
    name: 'no stock is negative',
    ok: negative.length === 0 && unknown.length === 0,
    expected: `${productIds.length} products, each >= 0`,
    actual:
      `${productIds.length - negative.length - unknown.length} >= 0, lowest ${levels.length > 0 ? Math.min(...levels) : 'none'}` +
      (unknown.length > 0 ? `, ${unknown.length} not found` : ''),
    details: [...negative, ...unknown].slice(0, DETAILS_SHOWN).map((id) => `${id}: ${stock.get(id) ?? 'not found'}`),
  };
}

function stockMatchesConfirmed(
  { accepted, orders, stock }: Settlement,
  productIds: readonly string[],
  initialStock: number,
): Check {
  const confirmed = new Map<string, number>();
  for (const order of accepted) {
    if (orders.get(order.orderId)?.status === 'CONFIRMED') {
      confirmed.set(order.productId, (confirmed.get(order.productId) ?? 0) + order.quantity);
    }
  }
  let taken = 0;
  let sold = 0;
  const wrong: string[] = [];
  for (const id of productIds) {
    const final = stock.get(id);
    const units = confirmed.get(id) ?? 0;
    sold += units;
    if (final !== undefined) taken += initialStock - final;
    if (final === undefined || initialStock - final !== units) {
      wrong.push(
        `${id}: ${initialStock} - ${final ?? 'not found'} = ${final === undefined ? '?' : initialStock - final}, confirmed ${units}`,
      );
    }
  }
  return {
    name: 'initial - final stock = confirmed quantity, per product',
    ok: wrong.length === 0,
    expected: `${productIds.length} products match, ${sold} units confirmed in all`,
    actual: `${productIds.length - wrong.length} match, ${taken} units taken in all`,
    details: wrong.slice(0, DETAILS_SHOWN),
  };
}

function duplicatesReplayed({ accepted, orders }: Settlement, duplicates: DuplicateTally): Check {
  // The check judges effects: a duplicate that got no answer (order-service restarting) is a client error, counted
  // but not a failure; a second order is one answered as new, or a second PENDING step in the order's history (which
  // also catches a duplicate that went through although its answer was lost).
  const twice = accepted.filter(
    (order) =>
      order.duplicated &&
      (orders.get(order.orderId)?.history ?? []).filter((step) => step.status === 'PENDING').length > 1,
  );
  return {
    name: 'duplicate submissions created no second order',
    ok: duplicates.secondOrders === 0 && twice.length === 0,
    expected: `${duplicates.sent} duplicates replayed or unanswered, 0 second orders`,
    actual:
      `${duplicates.replayed} replayed, ${duplicates.unanswered} unanswered, ` +
      `${duplicates.secondOrders} answered as new orders, ${twice.length} orders accepted twice in their history`,
    details: twice.slice(0, DETAILS_SHOWN).map((order) => `${order.orderId}: history has two PENDING steps`),
  };
}

function notificationsOnce({ accepted, orders, notifications }: Settlement): Check {
  const channels = new Set<string>();
  for (const list of notifications.values()) for (const n of list) channels.add(n.channel);
  let missing = 0;
  let extra = 0;
  let pending = 0;
  let failed = 0;
  let total = 0;
  const wrong: string[] = [];
  for (const order of accepted) {
    const list = notifications.get(order.orderId) ?? [];
    total += list.length;
    pending += list.filter((n) => n.status === 'PENDING').length;
    failed += list.filter((n) => n.status === 'FAILED').length;
    const decision = decisionEventType(orders.get(order.orderId)?.status);
    const expected = [EventTypes.orderCreated, ...(decision === undefined ? [] : [decision])];
    let orderMissing = 0;
    let orderExtra = 0;
    for (const channel of channels) {
      for (const type of expected) {
        const count = list.filter((n) => n.channel === channel && n.eventType === type).length;
        if (count === 0) orderMissing++;
        if (count > 1) orderExtra += count - 1;
      }
    }
    orderExtra += list.filter((n) => !expected.includes(n.eventType)).length;
    missing += orderMissing;
    extra += orderExtra;
    if (orderMissing + orderExtra > 0) wrong.push(`${order.orderId}: ${orderMissing} missing, ${orderExtra} extra`);
  }
  const channelList = [...channels].sort().join(', ') || 'none seen';
  return {
    name: 'one notification per event and channel',
    ok: channels.size > 0 && missing === 0 && extra === 0 && pending === 0,
    expected: `${accepted.length * 2 * Math.max(1, channels.size)} (${accepted.length} orders x 2 events x channels: ${channelList})`,
    actual: `${total}: ${missing} missing, ${extra} extra, ${pending} still PENDING, ${failed} FAILED`,
    details: wrong.slice(0, DETAILS_SHOWN),
  };
}

function analyticsMatches({ accepted, orders, analytics }: Settlement, productIds: readonly string[]): Check {
  const expected = expectedStats(accepted, orders);
  const zero = { orders: 0, quantity: 0, confirmed: 0, rejected: 0 };
  const sum = (stats: Iterable<{ orders: number; confirmed: number; rejected: number }>) => {
    const total = { orders: 0, confirmed: 0, rejected: 0 };
    for (const s of stats) {
      total.orders += s.orders;
      total.confirmed += s.confirmed;
      total.rejected += s.rejected;
    }
    return `${total.orders} orders, ${total.confirmed} confirmed, ${total.rejected} rejected`;
  };
  const wrong: string[] = [];
  for (const id of productIds) {
    const want = expected.get(id) ?? zero;
    const got = analytics.get(id) ?? zero;
    if (got.orders !== want.orders || got.confirmed !== want.confirmed || got.rejected !== want.rejected) {
      wrong.push(
        `${id}: expected ${want.orders}/${want.confirmed}/${want.rejected}, ` +
          `counted ${got.orders}/${got.confirmed}/${got.rejected} (orders/confirmed/rejected)`,
      );
    }
  }
  return {
    name: 'analytics per product = accepted, confirmed, rejected',
    ok: wrong.length === 0,
    expected: `${productIds.length} products match: ${sum(expected.values())}`,
    actual: `${productIds.length - wrong.length} match: ${sum(analytics.values())}`,
    details: wrong.slice(0, DETAILS_SHOWN),
  };
}
