import { type AnyCloudEvent, createEvent, EventTypes, encodeEvent, partitionKey, Topics } from '@orderflow/contracts';
import {
  type ConsumedRecord,
  createLogger,
  type HandlerContext,
  startTraceparent,
  traceIdOf,
} from '@orderflow/platform';

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

let offset = 0n;

/** The record the consumer runner would hand the handler for `event` (or for raw bytes). */
export function consumed(event: AnyCloudEvent | Buffer): ConsumedRecord {
  const traceparent = startTraceparent();
  const isEvent = !Buffer.isBuffer(event);
  offset += 1n;
  return {
    topic: Topics.stock,
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

export function handlerContext(): HandlerContext {
  return {
    log: createLogger({ name: 'stock-handler-test', level: 'silent' }),
    attempt: 1,
    signal: new AbortController().signal,
  };
}
