import type { AcceptedOrder, Order } from '../../src/order.ts';

/** A stock decision as a test knows it: when it was made and the id of the event that carried it. */
export interface DecisionSeen {
  readonly at: string;
  readonly eventId: string;
}

/**
 * What GET /orders/:id and the store must show for `order` once stock-service reserved it: CONFIRMED at the decision's
 * time, its history the acceptance and then the decision, with the event behind it.
 */
export function confirmedOrder(order: AcceptedOrder, decision: DecisionSeen): Order {
  return {
    ...order,
    status: 'CONFIRMED',
    updatedAt: decision.at,
    history: [
      { status: 'PENDING', at: order.createdAt },
      { status: 'CONFIRMED', at: decision.at, eventId: decision.eventId },
    ],
  };
}
