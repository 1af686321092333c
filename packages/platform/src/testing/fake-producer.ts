import { setTimeout as delay } from 'node:timers/promises';
import { PlatformErrors } from '../errors.ts';
import type { EventProducer, PublishReceipt, PublishRecord } from '../kafka/event-producer.ts';
import { continueTraceparent } from '../kafka/traceparent.ts';

/** One record the fake accepted, as the broker would hold it. */
export interface Published<E = unknown> {
  readonly topic: string;
  readonly record: PublishRecord;
  readonly key: string | undefined;
  /** Header values as strings, `traceparent` always set: the span the publish continued. */
  readonly headers: Readonly<Record<string, string>>;
  /** The value, decoded by the `decode` option (JSON.parse by default). */
  readonly event: E;
}

/**
 * Stands in for the Kafka producer in handler and route tests: keeps what it is given, and can fail, hold or leave
 * publishes unacknowledged, to put a request or an event exactly in the state a test needs.
 */
export interface FakeProducer<E = unknown> extends EventProducer {
  readonly published: Published<E>[];
  /** The next `count` publishes fail as Kafka does when it gives no acknowledgement (KAFKA_PUBLISH_FAILED). */
  failNext(count: number): void;
  /** Every publish from now on fails as an unreachable broker does, until `recover()`. */
  breakDown(): void;
  recover(): void;
  /** Publishes from now on wait; resolves with a release function once the first one has arrived. */
  hold(): Promise<() => void>;
  /**
   * The next publish times out after its record went out (KAFKA_PUBLISH_OUTCOME_UNKNOWN); the returned functions
   * decide what the broker's late answer says.
   */
  loseAcknowledgement(): { written(): void; notWritten(): void };
}

export interface FakeProducerOptions<E> {
  /** Each record reaches the "broker" after a random delay up to this, as over a network: unawaited publishes may land out of order. */
  readonly jitterMs?: number;
  /** Turns a published value into `Published.event`; throwing fails the publish, e.g. for a value that is no valid event. */
  readonly decode?: (value: Buffer) => E;
}

export function createFakeProducer<E = unknown>(options: FakeProducerOptions<E> = {}): FakeProducer<E> {
  const decode = options.decode ?? ((value: Buffer) => JSON.parse(value.toString()) as E);
  const published: Published<E>[] = [];
  let failures = 0;
  let broken = false;
  let held: { arrived: () => void; gate: Promise<void> } | undefined;
  let unacknowledged: { outcome: Promise<PublishReceipt>; settle: (written: boolean) => void } | undefined;

  function keep(topic: string, record: PublishRecord): PublishReceipt {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(record.headers ?? {})) headers[name] = value.toString();
    const traceparent = continueTraceparent(record.traceparent ?? headers.traceparent);
    headers.traceparent = traceparent;
    const value = Buffer.isBuffer(record.value) ? record.value : Buffer.from(record.value);
    published.push({ topic, record, key: record.key?.toString(), headers, event: decode(value) });
    return { topic, traceparent };
  }

  return {
    published,
    failNext(count) {
      failures = count;
    },
    breakDown() {
      broken = true;
    },
    recover() {
      broken = false;
    },
    hold() {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      return new Promise((resolve) => {
        held = {
          gate,
          arrived: () =>
            resolve(() => {
              held = undefined;
              open();
            }),
        };
      });
    },
    loseAcknowledgement() {
      let settle!: (written: boolean) => void;
      const outcome = new Promise<boolean>((resolve) => {
        settle = resolve;
      });
      unacknowledged = {
        settle,
        outcome: outcome.then((written) => {
          if (!written) throw PlatformErrors.create('KAFKA_PUBLISH_FAILED', 'the record was not written');
          return { topic: '', traceparent: '' };
        }),
      };
      unacknowledged.outcome.catch(() => undefined);
      return { written: () => settle(true), notWritten: () => settle(false) };
    },
    async publish(topic, record): Promise<PublishReceipt> {
      if (unacknowledged !== undefined) {
        const { outcome } = unacknowledged;
        unacknowledged = undefined;
        outcome.then(() => keep(topic, record)).catch(() => undefined);
        const error = PlatformErrors.create(
          'KAFKA_PUBLISH_OUTCOME_UNKNOWN',
          `no acknowledgement from ${topic} in time`,
        );
        throw Object.assign(error, { outcome });
      }
      if (held !== undefined) {
        const { arrived, gate } = held;
        arrived();
        await gate;
      }
      if (broken) {
        throw PlatformErrors.create('KAFKA_PUBLISH_FAILED', `publishing to ${topic} failed: connection refused`);
      }
      if (failures > 0) {
        failures -= 1;
        throw PlatformErrors.create('KAFKA_PUBLISH_FAILED', `no acknowledgement for a record on ${topic}`);
      }
      if (options.jitterMs !== undefined) await delay(Math.random() * options.jitterMs);
      return keep(topic, record);
    },
    async close() {},
  };
}
