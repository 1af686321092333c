// One consumed record as the single JSON line `orderflow tail` prints: what kafka-console-consumer shows with its
// print.* properties, but machine-readable, so `orderflow tail … | jq .value.data` works.
import type { Message } from '@platformatic/kafka';

export type TailedMessage = Message<Buffer | undefined, Buffer | undefined, string, Buffer | undefined>;

export interface RecordLine {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** ISO 8601; null when the producer set none (-1). */
  readonly timestamp: string | null;
  /** Only with --key: the key as UTF-8 text, null for a record without one. */
  readonly key?: string | null;
  /** Header values as UTF-8 text; for a repeated name the last value wins. */
  readonly headers: Readonly<Record<string, string>>;
  /** The value parsed as JSON when it is JSON, else its UTF-8 text; null for a tombstone. */
  readonly value: unknown;
}

export function recordLine(message: TailedMessage, includeKey: boolean): RecordLine {
  const timestamp = Number(message.timestamp);
  return {
    topic: message.topic,
    partition: message.partition,
    offset: Number(message.offset),
    timestamp: timestamp >= 0 ? new Date(timestamp).toISOString() : null,
    ...(includeKey ? { key: message.key == null ? null : message.key.toString('utf8') } : {}),
    headers: Object.fromEntries(
      [...message.headers].map(([name, value]) => [name, value == null ? '' : value.toString('utf8')]),
    ),
    value: message.value == null ? null : jsonOrText(message.value.toString('utf8')),
  };
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
