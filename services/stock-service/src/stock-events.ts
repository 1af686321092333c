import { type AnyCloudEvent, createEvent, EventTypes, type StockChangeReason } from '@orderflow/contracts';
import type { ReservationRecord } from './stock-store.ts';

export const EVENT_SOURCE = '/orderflow/stock-service';

/**
 * The events announcing an order's decision: stock-reserved plus stock-changed (the level moved), or stock-rejected.
 * Ids and time come from the record, so a redelivered order republishes the very same events and consumers can
 * de-duplicate them by id.
 */
export function reservationEvents(record: ReservationRecord, traceparent: string): AnyCloudEvent[] {
  const { orderId, productId, quantity } = record;
  const options = { source: EVENT_SOURCE, traceparent, time: new Date(record.decidedAt) };
  const resultId = `stock-result:${orderId}`;
  switch (record.outcome) {
    case 'reserved':
      return [
        createEvent(
          EventTypes.stockReserved,
          { orderId, productId, quantity, remaining: record.remaining },
          { ...options, id: resultId },
        ),
        createEvent(
          EventTypes.stockChanged,
          { productId, available: record.remaining, reason: 'RESERVED' },
          { ...options, id: `stock-changed:${orderId}` },
        ),
      ];
    case 'insufficient':
      return [
        createEvent(
          EventTypes.stockRejected,
          { orderId, productId, quantity, reason: 'INSUFFICIENT_STOCK', available: record.available },
          { ...options, id: resultId },
        ),
      ];
    case 'unknown-product':
      return [
        createEvent(
          EventTypes.stockRejected,
          { orderId, productId, quantity, reason: 'UNKNOWN_PRODUCT' },
          { ...options, id: resultId },
        ),
      ];
  }
}

/** The level of a product was changed by an admin (set or restock). */
export function stockChangedEvent(
  productId: string,
  available: number,
  reason: StockChangeReason,
  traceparent: string,
): AnyCloudEvent {
  return createEvent(EventTypes.stockChanged, { productId, available, reason }, { source: EVENT_SOURCE, traceparent });
}
