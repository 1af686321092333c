import { defineErrors } from '@orderflow/platform';

/**
 * The console's own error codes. A body or parameter that fails its schema uses the platform's VALIDATION_FAILED;
 * an answer order-service gave (its own 400 or 409, say) is passed on as it is, code included.
 */
export const ConsoleErrors = defineErrors({
  /** order-service did not answer the proxied POST /orders (down, or too slow). */
  ORDER_SERVICE_UNAVAILABLE: { status: 502, title: 'order-service did not answer', retriable: true },
  /** The redrive named a topic that is not a dead-letter topic on this Kafka. */
  DEAD_LETTER_TOPIC_NOT_FOUND: { status: 404, title: 'No such dead-letter topic', retriable: false },
  /** Kafka did not answer the redrive. */
  KAFKA_UNAVAILABLE: { status: 503, title: 'Kafka did not answer', retriable: true },
});

export type ConsoleErrorCode = keyof typeof ConsoleErrors.definitions;
