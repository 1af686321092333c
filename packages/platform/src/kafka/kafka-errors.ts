import { defineErrors } from '../errors.ts';

/**
 * Errors raised by the Kafka producer and consumer runner. AppErrors, so the HTTP layer renders a failed publish as a
 * 503 without knowing about Kafka; callers branch on `code`.
 */
export const KafkaErrors = defineErrors({
  /** The broker did not acknowledge in time, could not be reached, or the producer was closed: retry later. */
  KAFKA_PUBLISH_FAILED: { status: 503, title: 'Event could not be published', retriable: true },
  /**
   * The record was sent but not acknowledged in time: it may still be written. The error's `outcome` settles when
   * the broker finally answers, so a caller guarding against duplicates can wait for it instead of retrying blindly.
   */
  KAFKA_PUBLISH_OUTCOME_UNKNOWN: { status: 503, title: 'Event publication not confirmed yet', retriable: true },
  /** The broker refuses this record for good (too large, invalid, not authorised): retrying cannot help. */
  KAFKA_RECORD_REJECTED: { status: 500, title: 'Event rejected by Kafka', retriable: false },
  KAFKA_CONSUMER_START_FAILED: { status: 503, title: 'Kafka consumer could not join its group', retriable: true },
  KAFKA_CONFIG_INVALID: { status: 500, title: 'Invalid Kafka configuration', retriable: false },
});

export type KafkaErrorCode = keyof typeof KafkaErrors.definitions;
