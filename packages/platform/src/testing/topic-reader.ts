import { randomUUID } from 'node:crypto';
import { Consumer } from '@platformatic/kafka';
import type { ConsumedRecord } from '../kafka/consumed-record.ts';
import { clientOptions, type KafkaConnection } from '../kafka/kafka-connection.ts';
import { startConsumer } from '../kafka/consumer-runner.ts';
import { silentLog } from './consumed-record.ts';

/** A record as a test reads it: its key as text and, when the reader was given a decoder, the event it carries. */
export interface ReadRecord<E> extends Omit<ConsumedRecord, 'key'> {
  readonly key: string | undefined;
  /** Undefined when the value does not decode (a dead letter's poison) or the reader has no decoder. */
  readonly event: E | undefined;
}

/**
 * Decodes a record's value; contracts' decodeEvent is one. Structural, so platform needs no event catalogue: a test
 * passes the decoder of the events it expects.
 */
export type RecordDecoder<E> = (value: Buffer) => { readonly ok: true; readonly event: E } | { readonly ok: false };

/**
 * Reads topics from their earliest offsets in a consumer group of its own: a test's independent witness of what was
 * published (results, dead letters), which it waits on instead of sleeping.
 */
export interface TopicReader<E = never> {
  /** Every record read so far, across the topics, in arrival order. */
  readonly records: readonly ReadRecord<E>[];
  /**
   * Resolves with the first `count` records matching, as soon as they have arrived; rejects after `timeoutMs`
   * (default 60 s) saying how many matched, so a missing record fails the test instead of hanging it.
   */
  waitFor(predicate: (record: ReadRecord<E>) => boolean, count?: number, timeoutMs?: number): Promise<ReadRecord<E>[]>;
  /**
   * Resolves once everything on the topics at the time of the call has been read, so that counting afterwards
   * counts every record acknowledged before the call.
   */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

const WAIT_TIMEOUT_MS = 60_000;

export async function readTopics<E = never>(
  connection: KafkaConnection,
  topics: readonly string[],
  decode?: RecordDecoder<E>,
): Promise<TopicReader<E>> {
  const read: ConsumedRecord[] = [];
  const records: ReadRecord<E>[] = [];
  const waiters = new Set<() => void>();
  const runner = await startConsumer({
    connection,
    groupId: `topic-reader-${randomUUID()}`,
    topics,
    log: silentLog,
    maxWaitMs: 100,
    handler: async (record) => {
      read.push(record);
      const decoded = decode?.(record.value);
      records.push({ ...record, key: record.key?.toString(), event: decoded?.ok ? decoded.event : undefined });
      for (const wake of waiters) wake();
    },
  });
  const offsets = new Consumer({
    ...clientOptions(connection),
    clientId: `${connection.clientId}-topic-reader`,
    groupId: `topic-reader-offsets-${randomUUID()}`,
  });

  function until(done: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${describe()} within ${timeoutMs} ms, after reading ${read.length} records`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  }

  return {
    records,
    async waitFor(predicate, count = 1, timeoutMs = WAIT_TIMEOUT_MS) {
      const matching = () => records.filter(predicate);
      await until(
        () => matching().length >= count,
        timeoutMs,
        () => `${matching().length} of ${count} expected records arrived on ${topics.join(', ')}`,
      );
      return matching().slice(0, count);
    },
    async caughtUp() {
      const ends = await offsets.listOffsets({ topics: [...topics] });
      const unread = () =>
        [...ends].flatMap(([topic, partitionEnds]) =>
          partitionEnds
            .map((end, partition) => ({ topic, partition, end }))
            .filter(
              ({ end, partition }) =>
                end > 0n && !read.some((r) => r.topic === topic && r.partition === partition && r.offset >= end - 1n),
            ),
        );
      await until(
        () => unread().length === 0,
        WAIT_TIMEOUT_MS,
        () => `partitions not read to their end (${unread().map((p) => `${p.topic}/${p.partition}`)})`,
      );
    },
    async stop() {
      await Promise.all([runner.stop(), offsets.close()]);
    },
  };
}
