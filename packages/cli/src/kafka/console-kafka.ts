// The console's view of Kafka (KafkaSource in @orderflow/console), answered by the modules `orderflow groups` and
// `orderflow topics` use, the orders' fan-out by the code of `orderflow trace` (order-trace.ts), and its redrive by
// the code of `orderflow dlq redrive` (console-redrive.ts). One Admin and
// one group-less Consumer (for Fetch only) stay open for the console's life.
import type { DeadLetterRedrive, KafkaReading, KafkaSource, SourceRecord, TracedOrder } from '@orderflow/console';
import { DEAD_LETTER_SUFFIX } from '@orderflow/platform';
import { Admin, Consumer } from '@platformatic/kafka';
import { createConsoleRedrive } from './console-redrive.ts';
import { readGroupReports, readGroupsAndOffsets } from './group-reports.ts';
import type { KafkaClientSettings } from './kafka-client-options.ts';
import { kafkaErrorMessage } from './kafka-error-message.ts';
import { traceOrders } from './order-trace.ts';
import { readRecordRange } from './record-range.ts';

export interface ConsoleKafka extends KafkaSource, DeadLetterRedrive {
  close(): Promise<void>;
}

export function createConsoleKafka(settings: KafkaClientSettings): ConsoleKafka {
  const admin = new Admin(settings.options);
  // The group id is required by the client but never used: readRecordRange sends Fetch requests only.
  const consumer = new Consumer({ ...settings.options, groupId: 'orderflow-console-unused' });
  const redrive = createConsoleRedrive({ admin, consumer }, settings);
  const failure = (what: string) => (error: unknown) => {
    throw new Error(`${what} of Kafka at ${settings.brokers}: ${kafkaErrorMessage(error)}`, { cause: error });
  };
  return {
    brokers: settings.brokers,
    async groups() {
      return admin
        .listGroups()
        .then((listed) => readGroupReports(admin, [...listed.keys()].sort()))
        .catch(failure('consumer groups'));
    },
    async read(topics): Promise<KafkaReading> {
      const wanted = (existing: readonly string[]) =>
        existing.filter((topic) => topics.includes(topic) || topic.endsWith(DEAD_LETTER_SUFFIX));
      return admin
        .listGroups()
        .then((listed) => readGroupsAndOffsets(admin, [...listed.keys()].sort(), wanted))
        .then(({ reports, offsets }) => ({ groups: reports, offsets }))
        .catch(failure('consumer groups and topic offsets'));
    },
    async records(topic, partition, from, to): Promise<SourceRecord[]> {
      return readRecordRange(consumer, topic, partition, from, to).catch(failure(`records of ${topic}`));
    },
    async traceOrders(orderIds, since): Promise<TracedOrder[]> {
      return traceOrders({ admin, consumer }, orderIds, since === undefined ? {} : { since }).catch(
        failure('trace of orders'),
      );
    },
    redrive: (topic, dryRun) => redrive.redrive(topic, dryRun),
    async close() {
      await redrive.close();
      await Promise.allSettled([consumer.close(true), admin.close()]);
    },
  };
}
