import { setTimeout as delay } from 'node:timers/promises';
import { type EventProducer, type Lease, type Logger, startTraceparent } from '@orderflow/platform';
import { publishEvents } from './event-publisher.ts';
import { StockErrors } from './stock-errors.ts';
import { stockChangedEvent } from './stock-events.ts';
import type { StockStore } from './stock-store.ts';

export interface StockAdminOptions {
  readonly store: StockStore;
  readonly producer: EventProducer;
  readonly log: Logger;
  /** Lease length; longer than a write plus a publish (whose own timeout is 10 s) normally take. */
  readonly leaseMs?: number;
  /** How long a change waits for another change of the same product before answering STOCK_CHANGE_BUSY. */
  readonly waitMs?: number;
}

export interface StockChange {
  readonly productId: string;
  readonly available: number;
  /** True when set() created the product. */
  readonly created: boolean;
}

export interface StockAdmin {
  /** Sets the level (creating the product) and publishes stock-changed ADJUSTED. */
  set(productId: string, available: number, traceparent?: string): Promise<StockChange>;
  /** Adds to a known product's level and publishes stock-changed RESTOCKED; PRODUCT_NOT_FOUND otherwise. */
  restock(productId: string, quantity: number, traceparent?: string): Promise<StockChange>;
}

const RETRY_MIN_MS = 10;
const RETRY_MAX_MS = 50;

/**
 * Admin changes of one product run one at a time across all instances, under the product's lease: the write and the
 * stock-changed it publishes happen in the same order everywhere, so the last event carries the last level. The
 * store refuses a write whose fencing token is older than one it accepted, so a holder paused past its lease cannot
 * overwrite a newer change. Reservations take no lock; they are atomic in the store on their own.
 */
export function createStockAdmin(options: StockAdminOptions): StockAdmin {
  const { store, producer, log } = options;
  const leaseMs = options.leaseMs ?? 15_000;
  const waitMs = options.waitMs ?? 2000;

  async function underLease<T>(productId: string, work: (lease: Lease) => Promise<T>): Promise<T> {
    const deadline = performance.now() + waitMs;
    let lease = await store.locks.acquire(`stock:${productId}`, leaseMs);
    while (lease === null) {
      if (performance.now() >= deadline) {
        throw StockErrors.create('STOCK_CHANGE_BUSY', `another change of ${productId} is in progress; retry shortly`, {
          retryAfterSeconds: 1,
        });
      }
      await delay(RETRY_MIN_MS + Math.random() * (RETRY_MAX_MS - RETRY_MIN_MS));
      lease = await store.locks.acquire(`stock:${productId}`, leaseMs);
    }
    try {
      return await work(lease);
    } finally {
      const released = await lease.release().catch((error: unknown) => {
        log.warn({ err: error, productId }, 'stock lease release failed; it expires on its own');
        return true;
      });
      if (!released) log.warn({ productId, leaseMs }, 'stock change outlived its lease');
    }
  }

  async function announce(change: StockChange, reason: 'ADJUSTED' | 'RESTOCKED', parent?: string): Promise<void> {
    // The parent is the request's span (requestTraceparent); the producer makes the event's own child span.
    const traceparent = parent ?? startTraceparent();
    try {
      await publishEvents(producer, [stockChangedEvent(change.productId, change.available, reason, traceparent)]);
    } catch (error) {
      throw StockErrors.create(
        'STOCK_CHANGE_UNPUBLISHED',
        `stock of ${change.productId} is now ${change.available}, but stock-changed could not be published; ` +
          'PUT the same level again to publish it',
        { cause: error },
      );
    }
    log.info({ productId: change.productId, available: change.available, reason }, 'stock changed');
  }

  function leaseLost(productId: string): never {
    throw StockErrors.create(
      'STOCK_CHANGE_LEASE_LOST',
      `the lease on ${productId} expired and a newer change was written; nothing was changed`,
      { retryAfterSeconds: 1 },
    );
  }

  return {
    set(productId, available, traceparent) {
      return underLease(productId, async (lease) => {
        const result = await store.set(productId, available, lease.fencingToken);
        if (result.outcome === 'fenced') leaseLost(productId);
        const change = { productId, available: result.available, created: result.created };
        await announce(change, 'ADJUSTED', traceparent);
        return change;
      });
    },
    restock(productId, quantity, traceparent) {
      return underLease(productId, async (lease) => {
        const result = await store.restock(productId, quantity, lease.fencingToken);
        if (result.outcome === 'fenced') leaseLost(productId);
        if (result.outcome === 'unknown-product') {
          throw StockErrors.create('PRODUCT_NOT_FOUND', `product ${productId} does not exist; PUT it first`);
        }
        const change = { productId, available: result.available, created: false };
        await announce(change, 'RESTOCKED', traceparent);
        return change;
      });
    },
  };
}
