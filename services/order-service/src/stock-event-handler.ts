import { decodeEvent, EventTypes } from '@orderflow/contracts';
import { PoisonEventError, type RecordHandler } from '@orderflow/platform';
import type { OrderStore } from './order-store.ts';

/**
 * Applies stock-topic events: stock-reserved confirms an order, stock-rejected rejects it, and all three stock
 * events update the product's latest known availability. Redelivered and late events are harmless: the store
 * changes an order only while it is PENDING and keeps the newest availability by event time.
 */
export function createStockEventHandler(store: OrderStore): RecordHandler {
  return async (record, { log }) => {
    const decoded = decodeEvent(record.value);
    if (!decoded.ok) throw new PoisonEventError(decoded.code, decoded.reason);
    const event = decoded.event;
    // Normalised to the millisecond RFC 3339 form, the one every timestamp of an order uses.
    const at = new Date(event.time).toISOString();
    switch (event.type) {
      case EventTypes.stockReserved: {
        const { orderId, productId, quantity, remaining } = event.data;
        const changed = await store.recordStockOutcome({
          orderId,
          productId,
          quantity,
          status: 'CONFIRMED',
          eventId: event.id,
          at,
          available: remaining,
        });
        log.info({ orderId, productId, remaining }, changed ? 'order confirmed' : 'order already decided');
        return;
      }
      case EventTypes.stockRejected: {
        const { orderId, productId, quantity, reason, available } = event.data;
        const changed = await store.recordStockOutcome({
          orderId,
          productId,
          quantity,
          status: 'REJECTED',
          reason,
          eventId: event.id,
          at,
          ...(available === undefined ? {} : { available }),
        });
        log.info({ orderId, productId, reason }, changed ? 'order rejected' : 'order already decided');
        return;
      }
      case EventTypes.stockChanged: {
        const { productId, available } = event.data;
        await store.recordAvailability({ productId, available, at });
        log.debug({ productId, available }, 'availability updated');
        return;
      }
      default:
        log.warn({ eventType: event.type, eventId: event.id }, 'event type not expected on stock-topic, skipped');
    }
  };
}
