import type { DistributedLock } from '@orderflow/platform';

/** An order-created event as far as a reservation is concerned. */
export interface ReservationRequest {
  readonly orderId: string;
  readonly productId: string;
  readonly quantity: number;
}

/** What was decided for an order; recorded with the decrement, so a redelivery gets the same answer. */
export type ReservationDecision =
  | { readonly outcome: 'reserved'; readonly remaining: number }
  | { readonly outcome: 'insufficient'; readonly available: number }
  | { readonly outcome: 'unknown-product' };

export type ReservationRecord = ReservationRequest &
  ReservationDecision & {
    /** Milliseconds since the epoch when the decision was made; republished events carry it as their time. */
    readonly decidedAt: number;
  };

export interface ReservationResult {
  readonly record: ReservationRecord;
  /** True when the order had been decided before and this call changed nothing. */
  readonly replayed: boolean;
}

export interface ProductStock {
  readonly productId: string;
  readonly available: number;
}

/** An admin write refused because a later lease holder already wrote this product (see DistributedLock). */
export interface Fenced {
  readonly outcome: 'fenced';
}

export type SetStockResult =
  Fenced | { readonly outcome: 'set'; readonly available: number; readonly created: boolean };

export type RestockResult =
  Fenced | { readonly outcome: 'unknown-product' } | { readonly outcome: 'restocked'; readonly available: number };

export interface SeedResult {
  /** False when the catalogue had been seeded before: nothing was written. */
  readonly seeded: boolean;
  /** Products created by this call; existing ones are never overwritten. */
  readonly created: number;
}

/**
 * Stock levels and the per-order reservation records, on Redis or SQLite. Every method is one atomic step in the
 * backend, so several instances of the service may share a store.
 */
export interface StockStore {
  /**
   * Reserves `quantity` units unless the order was decided before, in which case the recorded decision is returned
   * and nothing changes. Check, decrement and record are one atomic step: stock never goes below zero and an order
   * never decrements twice.
   */
  reserve(request: ReservationRequest, now: number): Promise<ReservationResult>;
  /**
   * reserve() for several orders in one atomic step (one round trip), applied in the order given: the results, one
   * per request in the same order, are those of calling reserve() for each in turn, an order repeated in the batch
   * included (its later occurrences are replays). All get `now` as their decision time.
   */
  reserveMany(requests: readonly ReservationRequest[], now: number): Promise<ReservationResult[]>;
  /** Seeds the catalogue the first time it is called on a store; later calls change nothing. */
  seed(levels: ReadonlyMap<string, number>): Promise<SeedResult>;
  list(): Promise<ProductStock[]>;
  /** Undefined for an unknown product. */
  get(productId: string): Promise<number | undefined>;
  /**
   * Sets the level, creating the product if new. `fencingToken` is the admin lease's: a write with a token lower
   * than one already accepted for the product is refused.
   */
  set(productId: string, available: number, fencingToken: number): Promise<SetStockResult>;
  /** Adds `quantity` to a known product's level; fenced like set(). */
  restock(productId: string, quantity: number, fencingToken: number): Promise<RestockResult>;
  /** Resolves when the backend answers; for readiness. */
  ping(): Promise<void>;
  /** The backend's leases, used to serialise admin changes of one product. */
  readonly locks: DistributedLock;
}

/** The stock store's own settings, on either backend. */
export interface StockStoreSettings {
  /** How long an order's decision is kept for redeliveries. */
  readonly reservationRetentionMs: number;
}
