import { setTimeout as delay } from 'node:timers/promises';
import { type AnyCloudEvent, decodeEvent } from '@orderflow/contracts';
import {
  continueTraceparent,
  type EventProducer,
  PlatformErrors,
  type PublishReceipt,
  type PublishRecord,
} from '@orderflow/platform';

export interface Published {
  readonly topic: string;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly event: AnyCloudEvent;
}

/**
 * An EventProducer that keeps what it is given; `failNext(n)` makes the next n publishes fail as Kafka would. With
 * `jitterMs` each record reaches the "broker" after a random delay, as over a network, so publishes that are not
 * awaited one after the other may land out of order.
 */
export interface FakeProducer extends EventProducer {
  readonly published: Published[];
  failNext(count: number): void;
}

export function fakeProducer(options: { readonly jitterMs?: number } = {}): FakeProducer {
  const published: Published[] = [];
  let failures = 0;
  return {
    published,
    failNext(count) {
      failures = count;
    },
    async publish(topic: string, record: PublishRecord): Promise<PublishReceipt> {
      if (failures > 0) {
        failures -= 1;
        throw PlatformErrors.create('KAFKA_PUBLISH_FAILED', `no acknowledgement for a record on ${topic}`);
      }
      if (options.jitterMs !== undefined) await delay(Math.random() * options.jitterMs);
      const decoded = decodeEvent(record.value);
      if (!decoded.ok) throw new Error(`published an invalid event: ${decoded.reason}`);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(record.headers ?? {})) headers[name] = value.toString();
      const traceparent = continueTraceparent(record.traceparent ?? headers.traceparent);
      headers.traceparent = traceparent;
      published.push({ topic, key: record.key?.toString(), headers, event: decoded.event });
      return { topic, traceparent };
    },
    async close() {},
  };
}
