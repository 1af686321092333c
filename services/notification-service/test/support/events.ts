import { randomUUID } from 'node:crypto';
import {
  type AnyCloudEvent,
  createEvent,
  EventTypes,
  eventRecord,
  type StockRejectionReason,
  Topics,
} from '@orderflow/contracts';
import type { ConsumedRecord } from '@orderflow/platform';
import { consumedRecord } from '@orderflow/platform/testing';

const ORDER_SOURCE = '/orderflow/order-service';
const STOCK_SOURCE = '/orderflow/stock-service';

export function orderCreated(orderId = `order-${randomUUID()}`, productId = 'A001', quantity = 2) {
  return createEvent(
    EventTypes.orderCreated,
    { orderId, productId, quantity, createdAt: new Date().toISOString() },
    { source: ORDER_SOURCE },
  );
}

export function stockReserved(orderId: string, productId = 'A001', quantity = 2, remaining = 8) {
  return createEvent(EventTypes.stockReserved, { orderId, productId, quantity, remaining }, { source: STOCK_SOURCE });
}

export function stockRejected(
  orderId: string,
  productId = 'A001',
  quantity = 5,
  available?: number,
  reason: StockRejectionReason = 'INSUFFICIENT_STOCK',
) {
  return createEvent(
    EventTypes.stockRejected,
    { orderId, productId, quantity, reason, ...(available === undefined ? {} : { available }) },
    { source: STOCK_SOURCE },
  );
}

export function stockChanged(productId = 'A001', available = 3) {
  return createEvent(EventTypes.stockChanged, { productId, available, reason: 'RESERVED' }, { source: STOCK_SOURCE });
}

/** The record the consumer runner would hand the handler for `event` (or for raw bytes). */
export function consumed(event: AnyCloudEvent | Buffer): ConsumedRecord {
  if (Buffer.isBuffer(event)) return consumedRecord({ topic: Topics.stock, value: event });
  return consumedRecord(eventRecord(event));
}
