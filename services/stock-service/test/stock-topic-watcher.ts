import { randomUUID } from 'node:crypto';
import { type AnyCloudEvent, decodeEvent } from '@orderflow/contracts';
import { type ConsumerRunner, createLogger, type KafkaConnection, startConsumer } from '@orderflow/platform';

export interface Seen {
  readonly topic: string;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** Undefined for a record that is not a valid event (e.g. a dead letter). */
  readonly event: AnyCloudEvent | undefined;
  readonly value: Buffer;
}

/** Consumes topics from the beginning in a group of its own and lets a test wait for the records it expects. */
export interface TopicWatcher {
  readonly seen: Seen[];
  /** Resolves with the first `count` records matching, as soon as they have arrived. */
  waitFor(predicate: (seen: Seen) => boolean, count?: number): Promise<Seen[]>;
  stop(): Promise<void>;
}

export async function watchTopics(connection: KafkaConnection, topics: readonly string[]): Promise<TopicWatcher> {
  const seen: Seen[] = [];
  const waiters = new Set<() => void>();
  const runner: ConsumerRunner = await startConsumer({
    connection,
    groupId: `watcher-${randomUUID()}`,
    topics,
    log: createLogger({ name: 'watcher', level: 'silent' }),
    handler: async (record) => {
      const decoded = decodeEvent(record.value);
      seen.push({
        topic: record.topic,
        key: record.key?.toString(),
        headers: record.headers,
        event: decoded.ok ? decoded.event : undefined,
        value: record.value,
      });
      for (const wake of waiters) wake();
    },
  });
  return {
    seen,
    waitFor(predicate, count = 1) {
      return new Promise((resolve) => {
        const check = () => {
          const matching = seen.filter(predicate);
          if (matching.length < count) return;
          waiters.delete(check);
          resolve(matching.slice(0, count));
        };
        waiters.add(check);
        check();
      });
    },
    stop: () => runner.stop(),
  };
}
