// Kafka's auto.create.topics.enable: Metadata (when the client allows it, v4+) and Produce create a missing topic
// with the broker's default partition count. Both paths share this so they agree on names and defaults.
import type { BrokerState } from './apis/api-handler.ts';
import { ErrorCode } from './protocol/error-codes.ts';
import type { TopicInfo } from './storage/log-manager.ts';

export type TopicLookup =
  { errorCode: typeof ErrorCode.NONE; topic: TopicInfo } | { errorCode: number; topic?: undefined };

export function findOrAutoCreateTopic(broker: BrokerState, name: string, allowAutoCreation: boolean): TopicLookup {
  const existing = broker.logs.getTopic(name);
  if (existing !== undefined) return { errorCode: ErrorCode.NONE, topic: existing };
  if (!allowAutoCreation || !broker.config.autoCreateTopics) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  const created = broker.logs.createTopic(name, broker.config.defaultPartitions);
  if (created.topic !== undefined) {
    broker.log.info({ topic: name, partitions: created.topic.partitions }, 'topic auto-created');
    return { errorCode: ErrorCode.NONE, topic: created.topic };
  }
  // Another request may have created it between our lookup and our create.
  if (created.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) {
    const raced = broker.logs.getTopic(name);
    if (raced !== undefined) return { errorCode: ErrorCode.NONE, topic: raced };
  }
  return { errorCode: created.errorCode };
}
