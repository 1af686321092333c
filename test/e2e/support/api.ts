import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { HttpResult } from './http.ts';
import { ADMIN_TOKEN, type Service } from './system.ts';

// The services' HTTP APIs as the scenarios use them, typed after their route schemas (order-schemas.ts,
// stock-routes.ts, notification-schemas.ts, stats-routes.ts). Written against the wire, not the services' types:
// a changed response shape must break these tests.

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED';

export interface OrderView {
  readonly orderId: string;
  readonly productId: string;
  readonly quantity: number;
  readonly status: OrderStatus;
  readonly reason?: string;
  readonly history: readonly { readonly status: OrderStatus; readonly eventId?: string }[];
}

export interface Problem {
  readonly code: string;
  readonly status: number;
  readonly detail?: string;
}

export interface NotificationView {
  readonly id: string;
  readonly eventId: string;
  readonly orderId: string;
  readonly eventType: string;
  readonly channel: string;
  readonly status: 'PENDING' | 'SENT' | 'FAILED';
  readonly attempts: number;
  readonly subject: string;
  readonly message: string;
  readonly sentAt?: string;
}

export interface Counts {
  readonly orders: number;
  readonly quantity: number;
  readonly confirmed: number;
  readonly rejected: number;
}

export interface Stats {
  readonly totals: Counts & { readonly rejectedByReason: Readonly<Record<string, number>> };
}

/** Unique across runs, so nothing a previous run left anywhere can be mistaken for this one's. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function placeOrder(
  order: Service,
  body: { orderId: string; productId: string; quantity: number },
): Promise<HttpResult<OrderView | Problem>> {
  return order.request('POST', '/orders', { body });
}

/** POST /orders, asserting the 202 a newly accepted order gets. */
export async function placeAcceptedOrder(
  order: Service,
  body: { orderId: string; productId: string; quantity: number },
): Promise<OrderView> {
  const placed = await placeOrder(order, body);
  assert.equal(placed.status, 202, `POST /orders ${body.orderId}: ${JSON.stringify(placed.body)}`);
  const view = placed.body as OrderView;
  assert.equal(view.orderId, body.orderId);
  assert.equal(view.status, 'PENDING');
  return view;
}

export async function getOrder(order: Service, orderId: string): Promise<OrderView> {
  const found = await order.request<OrderView>('GET', `/orders/${encodeURIComponent(orderId)}`);
  assert.equal(found.status, 200, `GET /orders/${orderId}: ${JSON.stringify(found.body)}`);
  return found.body;
}

export async function listOrders(order: Service, status: OrderStatus): Promise<OrderView[]> {
  const listed = await order.request<{ orders: OrderView[] }>('GET', `/orders?status=${status}&limit=500`);
  assert.equal(listed.status, 200, `GET /orders?status=${status}: ${JSON.stringify(listed.body)}`);
  return listed.body.orders;
}

export async function getStock(stock: Service, productId: string): Promise<number> {
  const found = await stock.request<{ productId: string; available: number }>('GET', `/stock/${productId}`);
  assert.equal(found.status, 200, `GET /stock/${productId}: ${JSON.stringify(found.body)}`);
  return found.body.available;
}

export async function setStock(stock: Service, productId: string, available: number): Promise<void> {
  const set = await stock.request<{ productId: string; available: number }>('PUT', `/stock/${productId}`, {
    body: { available },
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  assert.ok(set.status === 200 || set.status === 201, `PUT /stock/${productId}: ${JSON.stringify(set.body)}`);
  assert.deepEqual(set.body, { productId, available });
}

export async function listNotifications(notification: Service, orderId?: string): Promise<NotificationView[]> {
  const query = orderId === undefined ? '' : `&orderId=${encodeURIComponent(orderId)}`;
  const listed = await notification.request<{ notifications: NotificationView[] }>(
    'GET',
    `/notifications?limit=500${query}`,
  );
  assert.equal(listed.status, 200, `GET /notifications: ${JSON.stringify(listed.body)}`);
  return listed.body.notifications;
}

export async function getStats(analytics: Service): Promise<Stats> {
  const stats = await analytics.request<Stats>('GET', '/stats');
  assert.equal(stats.status, 200, `GET /stats: ${JSON.stringify(stats.body)}`);
  return stats.body;
}

/** The counters of one product, or undefined while no event about it was counted (404). */
export async function getProductStats(analytics: Service, productId: string): Promise<Counts | undefined> {
  const stats = await analytics.request<Counts & { productId: string }>('GET', `/stats/products/${productId}`);
  if (stats.status === 404) return undefined;
  assert.equal(stats.status, 200, `GET /stats/products/${productId}: ${JSON.stringify(stats.body)}`);
  const { orders, quantity, confirmed, rejected } = stats.body;
  return { orders, quantity, confirmed, rejected };
}

/** Notifications grouped by order id. */
export function byOrder(notifications: readonly NotificationView[]): Map<string, NotificationView[]> {
  const grouped = new Map<string, NotificationView[]>();
  for (const notification of notifications) {
    const list = grouped.get(notification.orderId) ?? [];
    list.push(notification);
    grouped.set(notification.orderId, list);
  }
  return grouped;
}

/** What notification-service records for an order on the log channel: one per event about it, by event type. */
export function notificationSummary(notifications: readonly NotificationView[]): string[] {
  return notifications.map((n) => `${n.eventType} ${n.channel} ${n.status} ${n.subject}`).sort();
}
