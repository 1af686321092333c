// CreatePartitions (key 37), v0-3. Raises a topic's partition count to Count. Partitions can only be added (KIP-195):
// a Count equal to or below the current one is INVALID_PARTITIONS, as is one above MAX_PARTITIONS_PER_TOPIC (the
// storage layer's bound on open files). Assignments, when given, must hold one entry per new partition, each naming
// exactly our node (INVALID_REPLICA_ASSIGNMENT otherwise), since this single node holds every replica. An unknown
// topic is UNKNOWN_TOPIC_OR_PARTITION; a topic listed twice is INVALID_REQUEST, reported once. ValidateOnly runs the
// checks without adding anything. Existing partitions keep their data; as in Kafka, keyed records may map to a
// different partition afterwards.
import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  CreatePartitionsRequest,
  CreatePartitionsRequestCreatePartitionsTopic,
  CreatePartitionsResponse,
  CreatePartitionsResponseCreatePartitionsTopicResult,
} from '../protocol/generated/create-partitions.ts';
import { MAX_PARTITIONS_PER_TOPIC } from '../storage/log-manager.ts';
import type { ApiHandler, BrokerState } from './api-handler.ts';

export const createPartitionsHandler: ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse> = {
  apiKey: 37,
  minVersion: 0,
  maxVersion: 3,
  handle(context, request) {
    const counts = new Map<string, number>();
    for (const topic of request.topics) counts.set(topic.name, (counts.get(topic.name) ?? 0) + 1);
    const answered = new Set<string>();
    const results: CreatePartitionsResponseCreatePartitionsTopicResult[] = [];
    for (const topic of request.topics) {
      if (answered.has(topic.name)) continue;
      answered.add(topic.name);
      if ((counts.get(topic.name) ?? 0) > 1) {
        results.push(result(topic.name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'));
        continue;
      }
      const problem = check(context.broker, topic);
      if (problem !== null) {
        results.push(result(topic.name, problem.errorCode, problem.errorMessage));
        continue;
      }
      if (request.validateOnly) {
        results.push(result(topic.name, ErrorCode.NONE, null));
        continue;
      }
      const outcome = context.broker.logs.createPartitions(topic.name, topic.count);
      if (outcome.errorCode !== ErrorCode.NONE) {
        results.push(result(topic.name, outcome.errorCode, outcome.errorMessage ?? null));
        continue;
      }
      results.push(result(topic.name, ErrorCode.NONE, null));
    }
    return { throttleTimeMs: 0, results };
  },
};

function check(
  broker: BrokerState,
  topic: CreatePartitionsRequestCreatePartitionsTopic,
): { errorCode: number; errorMessage: string } | null {
  const existing = broker.logs.getTopic(topic.name);
  if (existing === undefined) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${topic.name}' does not exist.` };
  }
  if (topic.count === existing.partitions) {
    return {
      errorCode: ErrorCode.INVALID_PARTITIONS,
      errorMessage: `Topic already has ${existing.partitions} partitions.`,
    };
  }
  if (topic.count < existing.partitions) {
    return {
      errorCode: ErrorCode.INVALID_PARTITIONS,
      errorMessage:
        `Topic currently has ${existing.partitions} partitions, which is higher than the requested ${topic.count}; ` +
        'partitions can only be added.',
    };
  }
  if (topic.count > MAX_PARTITIONS_PER_TOPIC) {
    return {
      errorCode: ErrorCode.INVALID_PARTITIONS,
      errorMessage: `A topic can have at most ${MAX_PARTITIONS_PER_TOPIC} partitions on this broker, not ${topic.count}.`,
    };
  }
  if (topic.assignments !== null) {
    const added = topic.count - existing.partitions;
    if (topic.assignments.length !== added) {
      return {
        errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        errorMessage: `Attempted to add ${added} additional partition(s), but ${topic.assignments.length} assignment(s) were specified.`,
      };
    }
    for (const assignment of topic.assignments) {
      if (assignment.brokerIds.length !== 1 || assignment.brokerIds[0] !== broker.nodeId) {
        return {
          errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          errorMessage:
            `A new partition is assigned to broker(s) [${assignment.brokerIds.join(', ')}], but this is a single-node ` +
            `broker: every partition must be assigned to exactly [${broker.nodeId}].`,
        };
      }
    }
  }
  return null;
}

function result(
  name: string,
  errorCode: number,
  errorMessage: string | null,
): CreatePartitionsResponseCreatePartitionsTopicResult {
  return { name, errorCode, errorMessage };
}
