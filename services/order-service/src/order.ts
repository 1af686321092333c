// The order as order-service keeps it. Status only moves forward: PENDING when accepted, then CONFIRMED or REJECTED
// once stock-service decided; a terminal status never changes again, whatever arrives late or twice.

export const OrderStatuses = ['PENDING', 'CONFIRMED', 'REJECTED'] as const;

export type OrderStatus = (typeof OrderStatuses)[number];

/** The decisions stock-service can make about an order. */
export type StockDecision = Exclude<OrderStatus, 'PENDING'>;

export interface OrderHistoryEntry {
  readonly status: OrderStatus;
  /** When the status was reached: the acceptance time, or the time of the stock event that decided it. */
  readonly at: string;
  readonly reason?: string;
  /** The CloudEvent id of the stock event behind this entry. */
  readonly eventId?: string;
}

export interface Order {
  readonly orderId: string;
  readonly productId: string;
  readonly quantity: number;
  readonly customerId?: string;
  readonly status: OrderStatus;
  /** Why stock-service rejected the order. */
  readonly reason?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly history: OrderHistoryEntry[];
}

/** What POST /orders accepted, before any stock decision. */
export interface AcceptedOrder {
  readonly orderId: string;
  readonly productId: string;
  readonly quantity: number;
  readonly customerId?: string;
  readonly createdAt: string;
}

export function pendingOrder(accepted: AcceptedOrder): Order {
  return {
    ...accepted,
    status: 'PENDING',
    updatedAt: accepted.createdAt,
    history: [{ status: 'PENDING', at: accepted.createdAt }],
  };
}

export function orderLocation(orderId: string): string {
  return `/orders/${encodeURIComponent(orderId)}`;
}
