import { decodeEvent, EventTypes } from '@orderflow/contracts';
import { continueTraceparent, type EventProducer, PoisonEventError, type RecordHandler } from '@orderflow/platform';
import { publishEvents } from './event-publisher.ts';
import { reservationEvents } from './stock-events.ts';
import type { StockMetrics } from './stock-metrics.ts';
import type { StockStore } from './stock-store.ts';

export interface ReservationHandlerDeps {
  readonly store: StockStore;
  readonly producer: EventProducer;
  readonly metrics?: StockMetrics;
  readonly now?: () => number;
}

/**
 * Handles order-topic records for the consumer runner. Decide-and-record is one atomic store step and the decision
 * is published before the handler resolves, i.e. before the offset is committed. A crash between the two leaves
 * the record uncommitted; its redelivery finds the recorded decision, changes nothing and publishes it again.
 */
export function createReservationHandler(deps: ReservationHandlerDeps): RecordHandler {
  const { store, producer, metrics } = deps;
  const now = deps.now ?? Date.now;

  return async (record, { log }) => {
    const decoded = decodeEvent(record.value);
    if (!decoded.ok) throw new PoisonEventError(decoded.code, decoded.reason);
    const event = decoded.event;
    if (event.type !== EventTypes.orderCreated) {
      // Other event types may share the topic later; they are someone else's business, not poison.
      log.debug({ type: event.type }, 'event ignored');
      return;
    }
    const { orderId, productId, quantity } = event.data;
    const { record: decision, replayed } = await store.reserve({ orderId, productId, quantity }, now());
    await publishEvents(producer, reservationEvents(decision, continueTraceparent(record.traceparent)));
    metrics?.reservations.inc({ outcome: decision.outcome, replayed: String(replayed) });
    const fields = { orderId, productId: decision.productId, quantity: decision.quantity, partition: record.partition };
    switch (decision.outcome) {
      case 'reserved':
        log.info({ ...fields, remaining: decision.remaining, replayed }, 'stock reserved');
        break;
      case 'insufficient':
        log.info({ ...fields, available: decision.available, replayed }, 'stock rejected: insufficient stock');
        break;
      case 'unknown-product':
        log.info({ ...fields, replayed }, 'stock rejected: unknown product');
        break;
    }
  };
}
