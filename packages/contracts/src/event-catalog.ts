import type { Static, TSchema } from 'typebox';
import { OrderCreatedV1 } from './events/order-created.ts';
import { StockChangedV1 } from './events/stock-changed.ts';
import { StockRejectedV1 } from './events/stock-rejected.ts';
import { StockReservedV1 } from './events/stock-reserved.ts';

// Every event type the system knows, keyed by its CloudEvents `type`. The version is part of the type: a breaking
// change (a removed field, a new enum value) is a new type such as `com.orderflow.order.created.v2`, published next
// to v1 until every consumer has moved.
export const EventTypes = {
  orderCreated: 'com.orderflow.order.created.v1',
  stockReserved: 'com.orderflow.stock.reserved.v1',
  stockRejected: 'com.orderflow.stock.rejected.v1',
  stockChanged: 'com.orderflow.stock.changed.v1',
} as const;

export type EventType = (typeof EventTypes)[keyof typeof EventTypes];

export const EventDataSchemas = {
  [EventTypes.orderCreated]: OrderCreatedV1,
  [EventTypes.stockReserved]: StockReservedV1,
  [EventTypes.stockRejected]: StockRejectedV1,
  [EventTypes.stockChanged]: StockChangedV1,
} as const satisfies Record<EventType, TSchema>;

export type EventDataMap = { [T in EventType]: Static<(typeof EventDataSchemas)[T]> };

/** Short names used for schema files and logs: `order-created.v1`. */
export const EventSchemaNames: Readonly<Record<EventType, string>> = {
  [EventTypes.orderCreated]: 'order-created.v1',
  [EventTypes.stockReserved]: 'stock-reserved.v1',
  [EventTypes.stockRejected]: 'stock-rejected.v1',
  [EventTypes.stockChanged]: 'stock-changed.v1',
};

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.hasOwn(EventDataSchemas, value);
}
