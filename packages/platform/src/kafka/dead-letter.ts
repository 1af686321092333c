import type { KafkaMessage } from './consumed-record.ts';
import type { PublishRecord } from './event-producer.ts';

// Long handler errors (stack-like messages, whole payload dumps) must not blow up the DLQ record.
const MAX_ERROR_MESSAGE_LENGTH = 2000;

/** Every dead-letter topic's name ends so: `<source topic>.<consumer group>.dlq`. */
export const DEAD_LETTER_SUFFIX = '.dlq';

/** The dead-letter topic of one consumer group for one source topic, so each group's failures stay apart. */
export function deadLetterTopic(topic: string, groupId: string): string {
  return `${topic}.${groupId}${DEAD_LETTER_SUFFIX}`;
}

/**
 * Headers a dead letter carries beside the original record's, describing where it came from and why it failed.
 * Written here and read by `orderflow dlq`, `orderflow trace` and the console, so the names have this one owner.
 */
export const DeadLetterHeaders = {
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  consumerGroup: 'dlq-consumer-group',
  errorCode: 'dlq-error-code',
  /** The error's message, at most 2000 characters. */
  errorReason: 'dlq-error-reason',
  attempts: 'dlq-attempts',
  failedAt: 'dlq-failed-at',
  /** Set by `orderflow dlq redrive` on the record it publishes back: how often this event has been redriven. */
  redriveCount: 'redrive-count',
} as const;

export interface DeadLetterContext {
  readonly groupId: string;
  /** Continued by the dead letter, so it stays in the original record's trace. */
  readonly traceparent: string;
  readonly attempts: number;
  readonly error: unknown;
  readonly failedAt?: Date;
}

/** Same key, value and headers as the original, plus where it came from and why it could not be processed. */
export function deadLetterRecord(message: KafkaMessage, context: DeadLetterContext): PublishRecord {
  const headers: Record<string, string | Buffer> = {};
  for (const [name, value] of message.headers) {
    headers[name] = value ?? Buffer.alloc(0);
  }
  const reason = errorMessage(context.error).slice(0, MAX_ERROR_MESSAGE_LENGTH);
  headers[DeadLetterHeaders.originalTopic] = message.topic;
  headers[DeadLetterHeaders.originalPartition] = String(message.partition);
  headers[DeadLetterHeaders.originalOffset] = String(message.offset);
  headers[DeadLetterHeaders.consumerGroup] = context.groupId;
  headers[DeadLetterHeaders.attempts] = String(context.attempts);
  headers[DeadLetterHeaders.errorCode] = errorCode(context.error);
  headers[DeadLetterHeaders.errorReason] = reason;
  headers[DeadLetterHeaders.failedAt] = (context.failedAt ?? new Date()).toISOString();
  return {
    key: message.key ?? undefined,
    value: message.value ?? Buffer.alloc(0),
    headers,
    traceparent: context.traceparent,
  };
}

/** The error's string `code`, or HANDLER_FAILED for errors that carry none. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'HANDLER_FAILED';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
