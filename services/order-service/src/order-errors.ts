import { defineErrors } from '@orderflow/platform';

/**
 * order-service's own error codes. Validation, malformed bodies and an unreachable store or Kafka use the platform's
 * codes (VALIDATION_FAILED, MALFORMED_JSON, STORE_UNAVAILABLE, KAFKA_UNAVAILABLE).
 */
export const OrderErrors = defineErrors({
  ORDER_NOT_FOUND: { status: 404, title: 'Order not found', retriable: false },
  /** The latest known availability of the product is zero; retrying helps only after a restock. */
  OUT_OF_STOCK: { status: 409, title: 'Product out of stock', retriable: true },
  /** The idempotency key (or order id) was already used for a request with another body. */
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'Idempotency key reused for a different request', retriable: false },
  /** The first request with this key has not finished yet; retry after Retry-After to get its response. */
  REQUEST_IN_PROGRESS: { status: 409, title: 'A request with this idempotency key is in progress', retriable: true },
});

export type OrderErrorCode = keyof typeof OrderErrors.definitions;
