import { randomUUID } from 'node:crypto';
import {
  type ConsumedRecord,
  type ConsumerRunner,
  createEventProducer,
  createKafkaConnection,
  createLogger,
  type EventProducer,
  startConsumer,
} from '@orderflow/platform';

// The test's own Kafka clients, next to the services rather than inside them: a reader that sees every record of
// some topics, as an independent witness of what the services published, and a producer that writes bytes straight
// to a topic, bypassing order-service.

const silent = createLogger({ name: 'e2e-kafka', level: 'silent' });

export interface TopicReader {
  /** Every record read so far, across the topics, in arrival order. */
  readonly records: readonly ConsumedRecord[];
  stop(): Promise<void>;
}

/** Reads `topics` from their earliest offsets in a consumer group of its own. */
export async function readTopics(bootstrap: string, topics: readonly string[]): Promise<TopicReader> {
  const records: ConsumedRecord[] = [];
  const runner: ConsumerRunner = await startConsumer({
    connection: createKafkaConnection({ brokers: [bootstrap], clientId: 'e2e-reader' }),
    groupId: `e2e-reader-${randomUUID()}`,
    topics,
    log: silent,
    maxWaitMs: 100,
    handler: async (record) => {
      records.push(record);
    },
  });
  return { records, stop: () => runner.stop() };
}

/** A producer writing to the system's broker; close it when done. */
export function rawProducer(bootstrap: string): EventProducer {
  return createEventProducer({
    connection: createKafkaConnection({ brokers: [bootstrap], clientId: 'e2e-writer' }),
    log: silent,
    lingerMs: 0,
  });
}
