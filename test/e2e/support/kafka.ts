import { type AnyCloudEvent, decodeEvent } from '@orderflow/contracts';
import { createEventProducer, createKafkaConnection, createLogger, type EventProducer } from '@orderflow/platform';
import { readTopics as readConnectionTopics, type TopicReader } from '@orderflow/platform/testing';

// The test's own Kafka clients, next to the services rather than inside them: a reader that sees every record of
// some topics, as an independent witness of what the services published, and a producer that writes bytes straight
// to a topic, bypassing order-service.

const silent = createLogger({ name: 'e2e-kafka', level: 'silent' });

/** Reads `topics` from their earliest offsets in a consumer group of its own, decoding our events. */
export function readTopics(bootstrap: string, topics: readonly string[]): Promise<TopicReader<AnyCloudEvent>> {
  const connection = createKafkaConnection({ brokers: [bootstrap], clientId: 'e2e-reader' });
  return readConnectionTopics(connection, topics, decodeEvent);
}

/** A producer writing to the system's broker; close it when done. */
export function rawProducer(bootstrap: string): EventProducer {
  return createEventProducer({
    connection: createKafkaConnection({ brokers: [bootstrap], clientId: 'e2e-writer' }),
    log: silent,
    lingerMs: 0,
  });
}
