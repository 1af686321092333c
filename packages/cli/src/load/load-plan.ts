// What one load run orders: its products carry a prefix unique to the run (L<run id>-001, …), so runs against the
// same system never touch each other's stock, counters or orders, and every check can look at this run alone.
import { randomBytes } from 'node:crypto';

export interface PlannedOrder {
  readonly orderId: string;
  readonly idempotencyKey: string;
  readonly productId: string;
  readonly quantity: number;
}

export interface LoadPlan {
  readonly runId: string;
  readonly productIds: readonly string[];
  /** The order of arrival `index`: a product picked at random, 1 to MAX_QUANTITY units. */
  order(index: number): PlannedOrder;
}

/** Small enough that a product's stock lasts a while, large enough that a rejection for quantity can happen. */
export const MAX_QUANTITY = 3;

export function newRunId(): string {
  // Time first, so run ids sort by start; the random part keeps two runs started in the same millisecond apart.
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export function createLoadPlan(products: number, runId = newRunId(), random: () => number = Math.random): LoadPlan {
  const width = Math.max(3, String(products).length);
  const productIds = Array.from({ length: products }, (_, i) => `L${runId}-${String(i + 1).padStart(width, '0')}`);
  return {
    runId,
    productIds,
    order(index) {
      return {
        orderId: `L${runId}-o${index}`,
        idempotencyKey: `L${runId}-k${index}`,
        productId: productIds[Math.floor(random() * products)]!,
        quantity: 1 + Math.floor(random() * MAX_QUANTITY),
      };
    },
  };
}
