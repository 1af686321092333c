// After the last request the consumers still have a backlog. This waits, by polling each service's HTTP API, until
// every accepted order is decided, its notifications are recorded and analytics has counted it — or until the
// deadline — and returns what each service finally says, for the checks to compare.
import { setTimeout as delay } from 'node:timers/promises';
import { EventTypes } from '@orderflow/contracts';
import type { HttpAnswer, HttpClient } from './http-client.ts';
import type { AcceptedOrder, OrderTraffic } from './order-traffic.ts';

export interface ServiceUrls {
  readonly orders: string;
  readonly stock: string;
  readonly notifications: string;
  readonly analytics: string;
}

export interface OrderView {
  readonly status: 'PENDING' | 'CONFIRMED' | 'REJECTED';
  readonly history?: readonly { status: string }[];
}

export interface NotificationView {
  readonly eventType: string;
  readonly channel: string;
  readonly status: string;
}

export interface ProductStats {
  readonly orders: number;
  readonly quantity: number;
  readonly confirmed: number;
  readonly rejected: number;
}

export interface Settlement {
  /** Accepted orders, with those whose answer was lost but that the service has (found after the run). */
  readonly accepted: readonly AcceptedOrder[];
  /** Orders whose request failed without a definite answer and that turned out to exist. */
  readonly acceptedUnanswered: number;
  readonly orders: ReadonlyMap<string, OrderView>;
  readonly notifications: ReadonlyMap<string, readonly NotificationView[]>;
  readonly stock: ReadonlyMap<string, number>;
  readonly analytics: ReadonlyMap<string, ProductStats>;
  readonly waitedMs: number;
  /** What was still incomplete when the deadline passed. */
  readonly timedOut: readonly string[];
}

export interface SettleOptions {
  readonly client: HttpClient;
  readonly urls: ServiceUrls;
  readonly traffic: OrderTraffic;
  readonly productIds: readonly string[];
  readonly timeoutMs: number;
  /** Requests in flight while polling. */
  readonly concurrency: number;
  readonly onProgress?: (stage: string, remaining: number) => void;
}

const POLL_PAUSE_MS = 250;

export async function settle(options: SettleOptions): Promise<Settlement> {
  const { client, urls, traffic, productIds, onProgress } = options;
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  const parallel = <T>(items: readonly T[], work: (item: T) => Promise<void>) =>
    forEachLimit(items, options.concurrency, work);
  const get = (base: string, path: string): Promise<HttpAnswer | undefined> =>
    client.send({ method: 'GET', url: new URL(path, base) }).catch(() => undefined);
  const timedOut: string[] = [];

  const accepted = [...traffic.accepted];
  let acceptedUnanswered = 0;
  await parallel(traffic.unknown, async (order) => {
    const answer = await get(urls.orders, `/orders/${encodeURIComponent(order.orderId)}`);
    if (answer?.status === 200) {
      accepted.push({ ...order, duplicated: false });
      acceptedUnanswered++;
    }
  });

  const orders = new Map<string, OrderView>();
  const undecided = await pollUntilEmpty(
    accepted,
    deadline,
    parallel,
    async (order) => {
      const answer = await get(urls.orders, `/orders/${encodeURIComponent(order.orderId)}`);
      if (answer?.status !== 200) return false;
      const view = answer.body as OrderView;
      orders.set(order.orderId, view);
      return view.status !== 'PENDING';
    },
    (remaining) => onProgress?.('orders undecided', remaining),
  );
  if (undecided > 0) timedOut.push(`${undecided} orders still PENDING`);

  // An order has all its notifications once every channel that shows up anywhere has one for the order's creation
  // and one for its decision, and none is still being delivered.
  const channels = new Set<string>();
  const notifications = new Map<string, NotificationView[]>();
  const complete = (order: AcceptedOrder) => {
    const list = notifications.get(order.orderId) ?? [];
    const decision = decisionEventType(orders.get(order.orderId)?.status);
    if (decision === undefined || list.some((n) => n.status === 'PENDING')) return false;
    for (const channel of channels) {
      const types = new Set(list.filter((n) => n.channel === channel).map((n) => n.eventType));
      if (!types.has(EventTypes.orderCreated) || !types.has(decision)) return false;
    }
    return list.length > 0;
  };
  const unnotified = await pollUntilEmpty(
    accepted,
    deadline,
    parallel,
    async (order) => {
      const answer = await get(urls.notifications, `/notifications?orderId=${encodeURIComponent(order.orderId)}`);
      if (answer?.status !== 200) return false;
      const list = (answer.body as { notifications: NotificationView[] }).notifications;
      for (const notification of list) channels.add(notification.channel);
      notifications.set(order.orderId, list);
      return complete(order);
    },
    (remaining) => onProgress?.('orders without all notifications', remaining),
  );
  if (unnotified > 0) timedOut.push(`${unnotified} orders without all their notifications`);

  const expected = expectedStats(accepted, orders);
  const analytics = new Map<string, ProductStats>();
  const uncounted = await pollUntilEmpty(
    productIds,
    deadline,
    parallel,
    async (productId) => {
      const answer = await get(urls.analytics, `/stats/products/${encodeURIComponent(productId)}`);
      if (answer?.status !== 200) return !expected.has(productId);
      const stats = answer.body as ProductStats;
      analytics.set(productId, stats);
      const want = expected.get(productId);
      return (
        want !== undefined &&
        stats.orders === want.orders &&
        stats.confirmed === want.confirmed &&
        stats.rejected === want.rejected
      );
    },
    (remaining) => onProgress?.('products not yet counted by analytics', remaining),
  );
  if (uncounted > 0) timedOut.push(`${uncounted} products not fully counted by analytics`);

  const stock = new Map<string, number>();
  await parallel(productIds, async (productId) => {
    const answer = await get(urls.stock, `/stock/${encodeURIComponent(productId)}`);
    if (answer?.status === 200) stock.set(productId, (answer.body as { available: number }).available);
  });

  return {
    accepted,
    acceptedUnanswered,
    orders,
    notifications,
    stock,
    analytics,
    waitedMs: performance.now() - started,
    timedOut,
  };
}

export function decisionEventType(status: string | undefined): string | undefined {
  if (status === 'CONFIRMED') return EventTypes.stockReserved;
  if (status === 'REJECTED') return EventTypes.stockRejected;
  return undefined;
}

/** What analytics should hold per product, from the accepted orders and their final status. */
export function expectedStats(
  accepted: readonly AcceptedOrder[],
  orders: ReadonlyMap<string, OrderView>,
): Map<string, ProductStats> {
  const stats = new Map<string, { orders: number; quantity: number; confirmed: number; rejected: number }>();
  for (const order of accepted) {
    const entry = stats.get(order.productId) ?? { orders: 0, quantity: 0, confirmed: 0, rejected: 0 };
    entry.orders++;
    entry.quantity += order.quantity;
    const status = orders.get(order.orderId)?.status;
    if (status === 'CONFIRMED') entry.confirmed++;
    if (status === 'REJECTED') entry.rejected++;
    stats.set(order.productId, entry);
  }
  return stats;
}

/**
 * Calls `done` for every item still open, in rounds, until all are done or the deadline passes; returns how many
 * were left open.
 */
async function pollUntilEmpty<T>(
  items: readonly T[],
  deadline: number,
  parallel: (items: readonly T[], work: (item: T) => Promise<void>) => Promise<void>,
  done: (item: T) => Promise<boolean>,
  progress: (remaining: number) => void,
): Promise<number> {
  let open = [...items];
  for (;;) {
    const still: T[] = [];
    await parallel(open, async (item) => {
      if (!(await done(item))) still.push(item);
    });
    open = still;
    progress(open.length);
    if (open.length === 0 || performance.now() >= deadline) return open.length;
    await delay(POLL_PAUSE_MS);
  }
}

async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
