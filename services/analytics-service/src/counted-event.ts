import { type AnyCloudEvent, EventPoisonCodes, type EventType, EventTypes } from '@orderflow/contracts';
import { PoisonEventError } from '@orderflow/platform';
import type { Counts } from './analytics-store.ts';

/** An event that moves the counters, reduced to what analytics keeps of it. */
export interface CountedEvent {
  /** The CloudEvent id: an event is counted once per id. */
  readonly id: string;
  readonly type: EventType;
  readonly productId: string;
  /** The event's own time in milliseconds since the epoch; it selects the minute bucket. */
  readonly time: number;
  /** What the event adds to the total, its product's and its minute's counters. */
  readonly increments: Counts;
  /** stock-rejected only: counted under totals.rejectedByReason. */
  readonly rejectionReason?: string;
}

const NONE: Counts = { orders: 0, quantity: 0, confirmed: 0, rejected: 0 };

/**
 * The counters an event moves, or undefined for an event analytics does not count (stock-changed reports a level,
 * not an order outcome). Throws PoisonEventError for an event whose time cannot be read: no retry can fix that.
 */
export function countedEvent(event: AnyCloudEvent): CountedEvent | undefined {
  if (event.type === EventTypes.stockChanged) return undefined;
  const time = Date.parse(event.time);
  if (!Number.isFinite(time)) {
    throw new PoisonEventError(EventPoisonCodes.invalid, `event ${event.id} has an unreadable time "${event.time}"`);
  }
  const base = { id: event.id, type: event.type, time, productId: event.data.productId };
  switch (event.type) {
    case EventTypes.orderCreated:
      return { ...base, increments: { ...NONE, orders: 1, quantity: event.data.quantity } };
    case EventTypes.stockReserved:
      return { ...base, increments: { ...NONE, confirmed: 1 } };
    case EventTypes.stockRejected:
      return { ...base, increments: { ...NONE, rejected: 1 }, rejectionReason: event.data.reason };
  }
}
