import type { Message } from '@platformatic/kafka';
import { startTraceparent, traceIdOf } from './traceparent.ts';

/** A record as the consumer runner hands it to a handler: raw bytes; decoding and validation are the service's job. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: bigint;
  readonly key: Buffer | undefined;
  readonly value: Buffer;
  /** Header values decoded as UTF-8; for a repeated header name the last value wins. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The record's `traceparent` header, or a new trace when it has none (or an invalid one); when traces are
   * exported, that of the `process <topic>` span, a child of the header's. Pass it as `traceparent` when publishing
   * follow-up records so they join the same trace.
   */
  readonly traceparent: string;
  readonly traceId: string;
}

/** The library's message with string header names, as the runner's consumer is configured to deliver. */
export type KafkaMessage = Message<Buffer, Buffer, string, Buffer>;

/** `traceparent`, when given, replaces the header's: that of the span processing the record. */
export function toConsumedRecord(message: KafkaMessage, traceparent?: string): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of message.headers) {
    headers[name] = value === undefined || value === null ? '' : value.toString('utf8');
  }
  traceparent ??= traceIdOf(headers.traceparent) ? headers.traceparent : startTraceparent();
  return Object.freeze({
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key ?? undefined,
    value: message.value ?? Buffer.alloc(0),
    headers: Object.freeze(headers),
    traceparent,
    traceId: traceIdOf(traceparent) as string,
  });
}
