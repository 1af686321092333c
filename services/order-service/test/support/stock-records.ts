import { type AnyCloudEvent, createEvent, EventTypes, eventRecord, Topics } from '@orderflow/contracts';
import type { ConsumedRecord } from '@orderflow/platform';
import { consumedRecord } from '@orderflow/platform/testing';

const STOCK_SOURCE = '/orderflow/stock-service';

export function stockReserved(orderId: string, productId: string, quantity: number, remaining: number) {
  return createEvent(EventTypes.stockReserved, { orderId, productId, quantity, remaining }, { source: STOCK_SOURCE });
}

export function stockRejected(orderId: string, productId: string, quantity: number, available?: number) {
  return createEvent(
    EventTypes.stockRejected,
    { orderId, productId, quantity, reason: 'INSUFFICIENT_STOCK', ...(available === undefined ? {} : { available }) },
    { source: STOCK_SOURCE },
  );
}

export function stockChanged(productId: string, available: number, time?: Date) {
  return createEvent(
    EventTypes.stockChanged,
    { productId, available, reason: 'ADJUSTED' },
    { source: STOCK_SOURCE, ...(time ? { time } : {}) },
  );
}

/** The record the consumer runner would hand the handler for `event` (or for raw bytes). */
export function consumed(event: AnyCloudEvent | Buffer): ConsumedRecord {
  if (Buffer.isBuffer(event)) return consumedRecord({ topic: Topics.stock, value: event });
  return consumedRecord(eventRecord(event));
}
