// The console's redrive button, answered by the code `orderflow dlq redrive` runs (dead-letters.ts): the dry run is
// planRedrive, the execution is planRedrive then executeRedrive, so the page and the command always agree on what
// goes back and on the position kept in orderflow-dlq-redrive.<topic>.
import { ConsoleErrors, type DeadLetterRedrive, type RedriveResult } from '@orderflow/console';
import { Producer } from '@platformatic/kafka';
import { type DeadLetterKafka, executeRedrive, listDeadLetterTopics, planRedrive } from './dead-letters.ts';
import type { KafkaClientSettings } from './kafka-client-options.ts';
import { kafkaErrorMessage } from './kafka-error-message.ts';

export interface ConsoleRedrive extends DeadLetterRedrive {
  close(): Promise<void>;
}

export function createConsoleRedrive(kafka: DeadLetterKafka, settings: KafkaClientSettings): ConsoleRedrive {
  // Made on the first execution only: a console nobody redrives from holds no producer connection.
  let producer: Producer | undefined;
  return {
    async redrive(topic, dryRun): Promise<RedriveResult> {
      let topics: string[];
      try {
        topics = await listDeadLetterTopics(kafka);
      } catch (error) {
        throw ConsoleErrors.create('KAFKA_UNAVAILABLE', `Kafka at ${settings.brokers}: ${kafkaErrorMessage(error)}`);
      }
      if (!topics.includes(topic)) {
        throw ConsoleErrors.create(
          'DEAD_LETTER_TOPIC_NOT_FOUND',
          `no dead-letter topic '${topic}' (there are: ${topics.join(', ') || 'none'})`,
        );
      }
      try {
        const plan = await planRedrive(kafka, topic);
        const chosen = plan.items.filter((item) => item.action === 'redrive');
        let records = chosen.length;
        if (!dryRun) {
          producer ??= new Producer({ ...settings.options, idempotent: true, acks: -1 });
          records = await executeRedrive(kafka, producer, plan);
        }
        const targets = [...new Set(chosen.map(({ letter }) => letter.originalTopic!))].sort();
        return { topic, dryRun, records, target: targets.join(', ') || sourceTopicOf(topic) };
      } catch (error) {
        throw ConsoleErrors.create(
          'KAFKA_UNAVAILABLE',
          `redrive of ${topic} on Kafka at ${settings.brokers}: ${kafkaErrorMessage(error)}`,
        );
      }
    },
    async close() {
      await producer?.close().catch(() => undefined);
    },
  };
}

/** `<source>.<group>.dlq` → `<source>`: where a dead letter with no origin headers would have come from. */
function sourceTopicOf(topic: string): string {
  const parts = topic.split('.');
  return parts.length >= 3 ? parts.slice(0, -2).join('.') : topic;
}
