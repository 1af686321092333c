import { randomUUID } from 'node:crypto';
import { type AnyCloudEvent, decodeEvent } from '@orderflow/contracts';
import { type ConsumerRunner, createLogger, type KafkaConnection, startConsumer } from '@orderflow/platform';
import { Consumer } from '@platformatic/kafka';

export interface ReadRecord {
  readonly partition: number;
  readonly offset: bigint;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** Undefined when the value is not a valid CloudEvent of ours. */
  readonly event: AnyCloudEvent | undefined;
}

/** Reads a topic from the beginning, in a group of its own, so a test can wait for records or for the whole topic. */
export interface TopicReader {
  readonly records: ReadRecord[];
  /** Resolves with the first record matching, as soon as it has arrived. */
  waitFor(predicate: (record: ReadRecord) => boolean): Promise<ReadRecord>;
  /**
   * Resolves once everything on the topic at the time of the call has been read, so that counting afterwards
   * counts every record acknowledged before the call.
   */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export async function readTopic(connection: KafkaConnection, topic: string): Promise<TopicReader> {
  const records: ReadRecord[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  const runner: ConsumerRunner = await startConsumer({
    connection,
    groupId: `order-service-test-reader-${randomUUID()}`,
    topics: [topic],
    log: createLogger({ name: 'topic-reader', level: 'silent' }),
    maxWaitMs: 100,
    handler: async (record) => {
      const decoded = decodeEvent(record.value);
      records.push({
        partition: record.partition,
        offset: record.offset,
        key: record.key?.toString(),
        headers: record.headers,
        event: decoded.ok ? decoded.event : undefined,
      });
      wake();
    },
  });
  const offsets = new Consumer({
    clientId: 'order-service-test-offsets',
    bootstrapBrokers: [...connection.brokers],
    groupId: `order-service-test-offsets-${randomUUID()}`,
  });

  function until(done: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!done()) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  }

  return {
    records,
    async waitFor(predicate) {
      await until(() => records.some(predicate));
      return records.find(predicate)!;
    },
    async caughtUp() {
      const ends = (await offsets.listOffsets({ topics: [topic] })).get(topic) ?? [];
      await until(() =>
        ends.every(
          (end, partition) => end === 0n || records.some((r) => r.partition === partition && r.offset >= end - 1n),
        ),
      );
    },
    async stop() {
      await Promise.all([runner.stop(), offsets.close()]);
    },
  };
}
