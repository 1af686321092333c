import type { AcceptedOrder, Order, OrderStatus, StockDecision } from './order.ts';

/** The first answer to a request, kept under its idempotency keys and replayed to every retry. */
export interface StoredResponse {
  readonly statusCode: 202;
  readonly location: string;
  readonly body: Order;
}

export interface AdmitRequest {
  /**
   * Idempotency keys to claim together, already scoped (`key:<Idempotency-Key>`, `order:<orderId>`); empty when the
   * request carries neither, and then nothing is claimed.
   */
  readonly keys: readonly string[];
  readonly requestHash: string;
  readonly productId: string;
  /** How long a claim holds if its owner dies before completing or releasing it. */
  readonly claimTtlMs: number;
}

/**
 * - admitted: every key is now claimed by this caller, which must accept() or release() them;
 * - replay: a request with the same content already completed under `key`; `response` is its answer;
 * - mismatch: `key` was used for a request with other content;
 * - in-flight: a request with the same content holds `key` and has not finished;
 * - out-of-stock: the product's latest known availability is 0; nothing was claimed.
 * Keys are examined in the given order and the first one already in use decides.
 */
export type Admission =
  | { readonly status: 'admitted' }
  | { readonly status: 'replay'; readonly key: string; readonly response: StoredResponse }
  | { readonly status: 'mismatch'; readonly key: string }
  | { readonly status: 'in-flight'; readonly key: string }
  | { readonly status: 'out-of-stock' };

export interface Completion {
  readonly keys: readonly string[];
  readonly requestHash: string;
  readonly response: StoredResponse;
  /** How long the response is replayed. */
  readonly ttlMs: number;
}

/** What a stock-reserved or stock-rejected event says about an order. */
export interface StockOutcome {
  readonly orderId: string;
  readonly productId: string;
  readonly quantity: number;
  readonly status: StockDecision;
  readonly reason?: string;
  readonly eventId: string;
  /** The event's time, RFC 3339 with milliseconds. */
  readonly at: string;
  /** Units left after the decision, when the event tells. */
  readonly available?: number;
}

export interface Availability {
  readonly productId: string;
  readonly available: number;
  /** Time of the event that reported it; an older report never overwrites a newer one. */
  readonly at: string;
}

export interface ListOrdersQuery {
  readonly status?: OrderStatus;
  readonly limit: number;
}

/**
 * Orders, the idempotency keys of POST /orders, and the latest known availability of each product, on one backend so
 * that the steps of a request that must be atomic are one operation, and one round trip on Redis.
 */
export interface OrderStore {
  /** Checks and claims the keys and reads the product's availability, atomically. */
  admit(request: AdmitRequest): Promise<Admission>;
  /**
   * Saves the accepted order (PENDING, unless a stock event about it arrived first) and completes the claimed keys
   * with `completion.response`, atomically. Keys whose claim was lost in the meantime are left alone.
   */
  accept(order: AcceptedOrder, completion: Completion): Promise<void>;
  /** Gives up claimed keys after a failure so a retry can run; completed keys are never removed. */
  release(keys: readonly string[], requestHash: string): Promise<void>;
  /**
   * Moves a PENDING (or not yet known) order to the decided status, appending one history entry, and records the
   * availability the event reports. Returns false when the order had already been decided: nothing changed.
   */
  recordStockOutcome(outcome: StockOutcome): Promise<boolean>;
  recordAvailability(availability: Availability): Promise<void>;
  /** Latest known availability, undefined when unknown or expired. */
  availability(productId: string): Promise<number | undefined>;
  get(orderId: string): Promise<Order | undefined>;
  /** Newest first by creation time. */
  list(query: ListOrdersQuery): Promise<Order[]>;
  /** Resolves when the backend answers. */
  ping(): Promise<void>;
}

export interface OrderStoreSettings {
  readonly availabilityTtlMs: number;
  readonly orderRetentionMs: number;
}
