import { type RunningBroker, startBroker } from '@orderflow/broker';
import {
  createEventProducer,
  type EventProducer,
  type PublishReceipt,
  type PublishRecord,
} from '../kafka/event-producer.ts';
import { createKafkaConnection, type KafkaConnection } from '../kafka/kafka-connection.ts';
import { silentLog } from './consumed-record.ts';
import { temporaryDirectory } from './temporary-directory.ts';

/** A record and the topic it goes to: contracts' eventRecord(event) is one. */
export interface TopicRecord extends PublishRecord {
  readonly topic: string;
}

export interface TestBroker {
  readonly broker: RunningBroker;
  readonly connection: KafkaConnection;
  /**
   * Publishes a record as another service would, acks=all, resolving once the broker acknowledged it: what a test
   * feeds the service under test with. The producer is made on first use and closed with the broker.
   */
  publish(record: TopicRecord): Promise<PublishReceipt>;
  /** Closes the test's producer and the broker, and removes the broker's data directory. */
  close(): Promise<void>;
}

/** Our broker on a free port, with a data directory of its own, and a connection to it as `clientId`. */
export async function startTestBroker(clientId: string): Promise<TestBroker> {
  const dataDir = temporaryDirectory(`${clientId}-`);
  const broker = await startBroker({ port: 0, dataDir: dataDir.path, log: silentLog }).catch((error: unknown) => {
    dataDir.cleanup();
    throw error;
  });
  const connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId });
  let producer: EventProducer | undefined;
  return {
    broker,
    connection,
    publish(record) {
      producer ??= createEventProducer({
        connection: { ...connection, clientId: `${clientId}-feeder` },
        log: silentLog,
        lingerMs: 0,
      });
      return producer.publish(record.topic, record);
    },
    async close() {
      await producer?.close();
      await broker.close();
      dataDir.cleanup();
    },
  };
}
