import type { CountedEvent } from './counted-event.ts';

/** The four counters kept at every level: in total, per product and per minute. */
export interface Counts {
  /** order-created events. */
  readonly orders: number;
  /** Units ordered, summed over order-created events. */
  readonly quantity: number;
  /** stock-reserved events. */
  readonly confirmed: number;
  /** stock-rejected events. */
  readonly rejected: number;
}

export interface Totals extends Counts {
  /** stock-rejected events by their reason, e.g. `{ INSUFFICIENT_STOCK: 3 }`; reasons never seen are absent. */
  readonly rejectedByReason: Readonly<Record<string, number>>;
  /** Milliseconds since the epoch when an event was last counted; undefined before the first. */
  readonly updatedAt: number | undefined;
}

export interface ProductStats extends Counts {
  readonly productId: string;
}

export interface MinuteBucket extends Counts {
  /** Minutes since the epoch: the bucket covers [minute * 60 s, (minute + 1) * 60 s) of event time. */
  readonly minute: number;
}

/** What top products are ranked by: units ordered, or number of orders. */
export type TopProductsBy = 'quantity' | 'orders';

/**
 * The analytics counters on Redis or SQLite. Counting an event is one atomic step in the backend (claim its id,
 * then every counter), so several instances of the service may share a store and a redelivered event is counted
 * once.
 */
export interface AnalyticsStore {
  /**
   * Counts the event unless its id was counted within the dedupe retention; resolves true when it was counted now.
   * `now` decides whether the event's minute is still inside the 24 h time series window and becomes `updatedAt`.
   */
  count(event: CountedEvent, now: number): Promise<boolean>;
  /**
   * count() for several events in one atomic step (one round trip), in the order given: one result per event, those
   * of calling count() for each in turn (a second copy of an event within the batch is not counted).
   */
  countMany(events: readonly CountedEvent[], now: number): Promise<boolean[]>;
  totals(): Promise<Totals>;
  /** Undefined for a product no counted event was about. */
  product(productId: string): Promise<ProductStats | undefined>;
  /**
   * The `limit` products with the most units ordered (or orders), highest first, ties by product id ascending.
   * Only products with at least one order-created event are ranked.
   */
  topProducts(by: TopProductsBy, limit: number): Promise<ProductStats[]>;
  /** `count` consecutive buckets from `firstMinute` on, oldest first, empty minutes included as zeros. */
  minuteBuckets(firstMinute: number, count: number): Promise<MinuteBucket[]>;
  /**
   * Forgets everything: every counter and every remembered event id, as one step where the backend allows it. The
   * view is derived data: a rebuild clears it and counts the retained events again (`orderflow rebuild`).
   */
  clear(): Promise<void>;
  /** Resolves when the backend answers; for readiness. */
  ping(): Promise<void>;
}

/** The analytics store's own settings, on either backend. */
export interface AnalyticsStoreSettings {
  /** How long a counted event id is remembered. */
  readonly dedupeRetentionMs: number;
}
