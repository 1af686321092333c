import { type EventProducer, PlatformErrors, type PublishReceipt, type PublishRecord } from '@orderflow/platform';

export interface Published {
  readonly topic: string;
  readonly record: PublishRecord;
}

/**
 * Stands in for the Kafka producer in route tests: records what was published, and can fail publishes or hold them
 * until released, to put a request exactly in the state a test needs.
 */
export interface FakeProducer extends Pick<EventProducer, 'publish'> {
  readonly published: Published[];
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

export function createFakeProducer(): FakeProducer {
  const published: Published[] = [];
  let broken = false;
  let held: { arrived: () => void; gate: Promise<void> } | undefined;
  let unacknowledged: { outcome: Promise<PublishReceipt>; settle: (written: boolean) => void } | undefined;

  return {
    published,
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
        outcome.then(() => published.push({ topic, record })).catch(() => undefined);
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
      published.push({ topic, record });
      return { topic, traceparent: record.traceparent ?? '' };
    },
  };
}
