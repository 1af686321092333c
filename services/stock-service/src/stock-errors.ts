import { defineErrors } from '@orderflow/platform';

/** stock-service's own codes; its admin endpoints answer the platform's ADMIN_* codes (requireAdminToken). */
export const StockErrors = defineErrors({
  PRODUCT_NOT_FOUND: { status: 404, title: 'Product not found', retriable: false },
  /** Another change of the same product holds its lease; retrying shortly succeeds. */
  STOCK_CHANGE_BUSY: { status: 409, title: 'Stock change in progress', retriable: true },
  /** The lease expired before the write and a later holder already wrote: nothing was changed. */
  STOCK_CHANGE_LEASE_LOST: { status: 503, title: 'Stock change lease lost', retriable: true },
  /**
   * The change was stored but stock-changed could not be published. Not blindly retriable: a repeated restock adds
   * again, while repeating a PUT with the same value publishes the level.
   */
  STOCK_CHANGE_UNPUBLISHED: { status: 503, title: 'Stock changed but not published', retriable: false },
});

export type StockErrorCode = keyof typeof StockErrors.definitions;
