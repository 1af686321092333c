import type { KafkaMessage } from './consumed-record.ts';
import type { PublishRecord } from './event-producer.ts';

// Long handler errors (stack-like messages, whole payload dumps) must not blow up the DLQ record.
const MAX_ERROR_MESSAGE_LENGTH = 2000;

/** The dead-letter topic of one consumer group for one source topic, so each group's failures stay apart. */
export function deadLetterTopic(topic: string, groupId: string): string {
  return `${topic}.${groupId}.dlq`;
}

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
  headers['dlq-original-topic'] = message.topic;
  headers['dlq-original-partition'] = String(message.partition);
  headers['dlq-original-offset'] = String(message.offset);
  headers['dlq-consumer-group'] = context.groupId;
  headers['dlq-attempts'] = String(context.attempts);
  headers['dlq-error-code'] = errorCode(context.error);
  headers['dlq-error-message'] = reason;
  // @orderflow/contracts' DeadLetterHeaders names the same text dlq-error-reason; both are written so tools built on
  // either name read it.
  headers['dlq-error-reason'] = reason;
  headers['dlq-failed-at'] = (context.failedAt ?? new Date()).toISOString();
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
