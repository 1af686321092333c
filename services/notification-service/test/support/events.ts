import { randomUUID } from 'node:crypto';
import {
  type AnyCloudEvent,
  createEvent,
  EventTypes,
  encodeEvent,
  partitionKey,
  type StockRejectionReason,
  Topics,
} from '@orderflow/contracts';
import {
  type ConsumedRecord,
  createLogger,
  type BatchContext,
  type HandlerContext,
  type Logger,
  startTraceparent,
  traceIdOf,
} from '@orderflow/platform';

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

let offset = 0n;

/** The record the consumer runner would hand the handler for `event` (or for raw bytes). */
export function consumed(event: AnyCloudEvent | Buffer): ConsumedRecord {
  const traceparent = startTraceparent();
  const isEvent = !Buffer.isBuffer(event);
  offset += 1n;
  return {
    topic: isEvent && event.type === EventTypes.orderCreated ? Topics.orders : Topics.stock,
    partition: 0,
    offset,
    timestamp: BigInt(Date.now()),
    key: isEvent ? Buffer.from(partitionKey(event)) : undefined,
    value: isEvent ? encodeEvent(event) : event,
    headers: { traceparent },
    traceparent,
    traceId: traceIdOf(traceparent)!,
  };
}

export const silentLog: Logger = createLogger({ name: 'notification-test', level: 'silent' });

export function handlerContext(signal = new AbortController().signal): HandlerContext {
  return { log: silentLog, attempt: 1, signal };
}

export function batchContext(signal = new AbortController().signal): BatchContext {
  return { log: silentLog, logFor: () => silentLog, signal };
}
