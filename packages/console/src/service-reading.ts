// The services' HTTP APIs as the poller reads them: readiness of each, and the data the page shows from
// order-service (latest orders), stock-service (stock) and analytics-service (totals). A service that does not answer in time is shown
// as not live and its sections keep nothing: the page must not present stale data as current.
import type { AnalyticsView, OrderRow, ProductStock, ServiceNode } from './console-state.ts';
import { SERVICE_NAMES, type ServiceEndpoints } from './service-endpoints.ts';

export const LATEST_ORDERS = 50;
const TOP_PRODUCTS = 5;

/** An order as order-service lists it: the page's row before the fan-out is traced. */
export type ListedOrder = Omit<OrderRow, 'fanOut'>;

export interface ServiceData {
  /** null when order-service did not answer. */
  readonly orders: ListedOrder[] | null;
  readonly stock: ProductStock[];
  readonly analytics: AnalyticsView | null;
}

/** GET /health/ready of every service. */
export function readHealth(endpoints: ServiceEndpoints, timeoutMs: number): Promise<ServiceNode[]> {
  return Promise.all(SERVICE_NAMES.map((name) => readServiceHealth(name, endpoints[name], timeoutMs)));
}

/** The latest orders, the stock and the analytics totals. */
export async function readServiceData(endpoints: ServiceEndpoints, timeoutMs: number): Promise<ServiceData> {
  const [orders, stock, stats] = await Promise.all([
    getJson<{ orders: ListedOrder[] }>(`${endpoints['order-service']}/orders?limit=${LATEST_ORDERS}`, timeoutMs),
    getJson<{ products: ProductStock[] }>(`${endpoints['stock-service']}/stock`, timeoutMs),
    getJson<AnalyticsView>(`${endpoints['analytics-service']}/stats?top=${TOP_PRODUCTS}`, timeoutMs),
  ]);
  return {
    orders: orders === null ? null : orders.orders.map(listedOrder),
    stock: stock === null ? [] : [...stock.products].sort((a, b) => a.productId.localeCompare(b.productId)),
    analytics:
      stats === null
        ? null
        : { totals: stats.totals, topProducts: stats.topProducts.map(productCounts), updatedAt: stats.updatedAt },
  };
}

async function readServiceHealth(name: string, url: string, timeoutMs: number): Promise<ServiceNode> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json().catch(() => ({}))) as { checks?: ServiceNode['checks'] };
    return { name, url, live: true, ready: response.status === 200, checks: body.checks ?? {}, error: null };
  } catch (error) {
    return { name, url, live: false, ready: false, checks: {}, error: failureReason(error) };
  }
}

async function getJson<T>(url: string, timeoutMs: number): Promise<T | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      return null;
    }
    return (await response.json()) as T;
  } catch {
    return null;
  }
}

/** fetch reports a refused connection as "fetch failed" with the reason as its cause. */
function failureReason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

// Only the fields the page shows: the history and customer stay in order-service.
export function listedOrder(order: ListedOrder): ListedOrder {
  return {
    orderId: order.orderId,
    productId: order.productId,
    quantity: order.quantity,
    status: order.status,
    ...(order.reason === undefined ? {} : { reason: order.reason }),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

function productCounts(product: AnalyticsView['topProducts'][number]): AnalyticsView['topProducts'][number] {
  const { productId, orders, quantity, confirmed, rejected } = product;
  return { productId, orders, quantity, confirmed, rejected };
}
