import { randomUUID } from 'node:crypto';
import { type CloudEvent, createEvent, EventTypes, type StockRejectionReason } from '@orderflow/contracts';
import { type CountedEvent, countedEvent } from '../src/counted-event.ts';

// Real CloudEvents as order-service and stock-service publish them, built through the contracts' own createEvent.

interface Common {
  /** Defaults to a random UUID, as a producer's would be. */
  readonly id?: string;
  readonly orderId?: string;
  readonly productId: string;
  /** Milliseconds since the epoch; defaults to now. */
  readonly time?: number;
}

const options = (source: string, common: Common) => ({
  source,
  ...(common.id === undefined ? {} : { id: common.id }),
  time: new Date(common.time ?? Date.now()),
});

export function orderCreated(event: Common & { readonly quantity: number }) {
  const orderId = event.orderId ?? `o-${randomUUID()}`;
  const time = new Date(event.time ?? Date.now()).toISOString();
  return createEvent(
    EventTypes.orderCreated,
    { orderId, productId: event.productId, quantity: event.quantity, createdAt: time },
    options('/orderflow/order-service', event),
  );
}

export function stockReserved(event: Common & { readonly quantity?: number }) {
  return createEvent(
    EventTypes.stockReserved,
    {
      orderId: event.orderId ?? `o-${randomUUID()}`,
      productId: event.productId,
      quantity: event.quantity ?? 1,
      remaining: 10,
    },
    options('/orderflow/stock-service', event),
  );
}

export function stockRejected(event: Common & { readonly reason: StockRejectionReason; readonly quantity?: number }) {
  return createEvent(
    EventTypes.stockRejected,
    {
      orderId: event.orderId ?? `o-${randomUUID()}`,
      productId: event.productId,
      quantity: event.quantity ?? 1,
      reason: event.reason,
    },
    options('/orderflow/stock-service', event),
  );
}

export function stockChanged(event: Common & { readonly available: number }) {
  return createEvent(
    EventTypes.stockChanged,
    { productId: event.productId, available: event.available, reason: 'RESTOCKED' },
    options('/orderflow/stock-service', event),
  );
}

/** What the store is given for a counted event. */
export function counted(event: CloudEvent): CountedEvent {
  const result = countedEvent(event as Parameters<typeof countedEvent>[0]);
  if (result === undefined) throw new Error(`${event.type} is not counted`);
  return result;
}
