// CreateTopics (key 19), v0-7. Creates topics on this single node, which holds every partition's only replica.
// NumPartitions -1 takes the broker default (--partitions) and ReplicationFactor -1 means 1 (KIP-464; accepted at
// every version: a client below v4 simply never sends it without a manual assignment). Any replication factor other
// than 1 is INVALID_REPLICATION_FACTOR with a message saying why. A manual assignment (NumPartitions and
// ReplicationFactor both -1, else INVALID_REQUEST) must list partitions 0..n-1, each on exactly our node
// (INVALID_REPLICA_ASSIGNMENT). The storage layer owns the rules for names (INVALID_TOPIC_EXCEPTION, including
// names that differ from an existing one only by '.' versus '_'), partition counts (INVALID_PARTITIONS) and config
// values (INVALID_CONFIG); this handler adds Kafka's checks on config names (see topicConfigAtCreation) and refuses
// null values (INVALID_REQUEST). ValidateOnly (v1+) runs every check and creates nothing. A name listed twice is
// INVALID_REQUEST, reported once. ErrorMessage is v1+; v5+ also returns the partition count, replication factor and
// every config of the topic (KIP-525), and v7+ the topic id (KIP-516; the zero id for ValidateOnly).
import { describeTopicConfigs, topicConfigAtCreation } from '../config-catalogue.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  CreateTopicsRequest,
  CreateTopicsRequestCreatableTopic,
  CreateTopicsResponse,
  CreateTopicsResponseCreatableTopicResult,
} from '../protocol/generated/create-topics.ts';
import type { ApiHandler, BrokerState } from './api-handler.ts';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

interface Failure {
  readonly errorCode: number;
  readonly errorMessage: string;
}

interface Plan {
  readonly partitions: number;
  readonly configs: Record<string, string>;
}

export const createTopicsHandler: ApiHandler<CreateTopicsRequest, CreateTopicsResponse> = {
  apiKey: 19,
  minVersion: 0,
  maxVersion: 7,
  handle(context, request, version) {
    const broker = context.broker;
    const validateOnly = version >= 1 && request.validateOnly === true;
    const counts = new Map<string, number>();
    for (const topic of request.topics) counts.set(topic.name, (counts.get(topic.name) ?? 0) + 1);
    const answered = new Set<string>();
    const topics: CreateTopicsResponseCreatableTopicResult[] = [];
    for (const topic of request.topics) {
      if (answered.has(topic.name)) continue;
      answered.add(topic.name);
      if ((counts.get(topic.name) ?? 0) > 1) {
        topics.push(
          failure(topic.name, { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' }),
        );
        continue;
      }
      const plan = planTopic(broker, topic);
      if ('errorCode' in plan) {
        context.log.debug({ topic: topic.name, ...plan }, 'topic not created');
        topics.push(failure(topic.name, plan));
        continue;
      }
      if (validateOnly) {
        topics.push(success(broker, topic.name, ZERO_UUID, plan.partitions, plan.configs));
        continue;
      }
      const created = broker.logs.createTopic(topic.name, plan.partitions, plan.configs);
      if (created.topic === undefined) {
        const errorCode = created.errorCode === ErrorCode.NONE ? ErrorCode.UNKNOWN_SERVER_ERROR : created.errorCode;
        topics.push(failure(topic.name, { errorCode, errorMessage: created.errorMessage ?? 'Topic was not created.' }));
        continue;
      }
      const info = created.topic;
      topics.push(success(broker, info.name, info.topicId, info.partitions, info.configs));
    }
    return { throttleTimeMs: 0, topics };
  },
};

// Kafka's order of checks: the name, then whether the topic exists, then partitions and replicas, then configs.
function planTopic(broker: BrokerState, topic: CreateTopicsRequestCreatableTopic): Plan | Failure {
  const named = broker.logs.validateNewTopic(topic.name, 1);
  if (named.errorCode !== ErrorCode.NONE) return storageFailure(named);
  let partitions: number;
  if (topic.assignments.length > 0) {
    if (topic.numPartitions !== -1 || topic.replicationFactor !== -1) {
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage:
          'A manual partition assignment was specified, but numPartitions or replicationFactor was not set to -1.',
      };
    }
    const problem = checkAssignments(broker.nodeId, topic.assignments);
    if (problem !== null) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: problem };
    partitions = topic.assignments.length;
  } else {
    if (topic.replicationFactor === 0 || topic.replicationFactor < -1) {
      return {
        errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
        errorMessage: 'Replication factor must be larger than 0, or -1 to use the default value.',
      };
    }
    if (topic.replicationFactor > 1) {
      return {
        errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
        errorMessage:
          `Replication factor ${topic.replicationFactor} cannot be met: this is a single-node broker, so every ` +
          'partition has exactly one replica. Use replication factor 1, or -1 for the default.',
      };
    }
    partitions = topic.numPartitions === -1 ? broker.config.defaultPartitions : topic.numPartitions;
  }
  const configs: Record<string, string> = {};
  const seen = new Set<string>();
  for (const { name, value } of topic.configs) {
    if (seen.has(name)) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Duplicate topic config name: ${name}` };
    }
    seen.add(name);
    if (value === null) {
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `Null value not supported for topic configs: ${name}`,
      };
    }
    const use = topicConfigAtCreation(name, value);
    if (typeof use === 'object') return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: use.problem };
    if (use === 'store') configs[name] = value;
  }
  const checked = broker.logs.validateNewTopic(topic.name, partitions, configs);
  if (checked.errorCode !== ErrorCode.NONE) return storageFailure(checked);
  return { partitions, configs };
}

function storageFailure(result: { errorCode: number; errorMessage?: string }): Failure {
  return { errorCode: result.errorCode, errorMessage: result.errorMessage ?? 'Topic cannot be created.' };
}

function checkAssignments(
  nodeId: number,
  assignments: CreateTopicsRequestCreatableTopic['assignments'],
): string | null {
  const indexes = assignments.map((assignment) => assignment.partitionIndex).sort((a, b) => a - b);
  for (let position = 0; position < indexes.length; position++) {
    if (indexes[position] !== position) {
      return 'Partitions should be a consecutive 0-based integer sequence, each listed once.';
    }
  }
  for (const assignment of assignments) {
    if (assignment.brokerIds.length !== 1 || assignment.brokerIds[0] !== nodeId) {
      return (
        `Partition ${assignment.partitionIndex} is assigned to broker(s) [${assignment.brokerIds.join(', ')}], ` +
        `but this is a single-node broker: every partition must be assigned to exactly [${nodeId}].`
      );
    }
  }
  return null;
}

function success(
  broker: BrokerState,
  name: string,
  topicId: string,
  partitions: number,
  configs: Readonly<Record<string, string>>,
): CreateTopicsResponseCreatableTopicResult {
  return {
    name,
    topicId,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    numPartitions: partitions,
    replicationFactor: 1,
    configs: describeTopicConfigs(broker.config, configs).map((entry) => ({
      name: entry.name,
      value: entry.value,
      readOnly: entry.readOnly,
      configSource: entry.configSource,
      isSensitive: entry.isSensitive,
    })),
  };
}

function failure(name: string, { errorCode, errorMessage }: Failure): CreateTopicsResponseCreatableTopicResult {
  return {
    name,
    topicId: ZERO_UUID,
    errorCode,
    errorMessage,
    numPartitions: -1,
    replicationFactor: -1,
    configs: [],
  };
}
