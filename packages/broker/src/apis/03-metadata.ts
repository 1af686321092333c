// Metadata (key 3), v0-12. Describes this single-node cluster: one broker (us, at the advertised host and the port
// actually bound), and for each topic its UUID topic id (v10+) and partitions, each led by us with us as the only
// replica and ISR, leader epoch 0. A null topic list (v1+), or an empty one at v0, means every topic. Missing
// topics are auto-created when the broker allows it and the client asks for it (always at v0-3, by flag at v4+).
// Topics may be named by id at v10+ (KIP-516); an unknown id gets UNKNOWN_TOPIC_ID.
import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  MetadataRequest,
  MetadataResponse,
  MetadataResponseMetadataResponseTopic,
} from '../protocol/generated/metadata.ts';
import type { TopicInfo } from '../storage/log-manager.ts';
import { findOrAutoCreateTopic } from '../topic-auto-creation.ts';
import type { ApiHandler, BrokerState } from './api-handler.ts';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
/** Kafka's "authorized operations not requested" sentinel (KIP-430). */
const OPERATIONS_NOT_REQUESTED = -2147483648;
/** Every topic operation is allowed (no ACLs): READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8,
 * DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, as bits of AclOperation codes (KIP-430). */
const ALL_TOPIC_OPERATIONS = [3, 4, 5, 6, 7, 8, 10, 11].reduce((bits, operation) => bits | (1 << operation), 0);

export const metadataHandler: ApiHandler<MetadataRequest, MetadataResponse> = {
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  handle(context, request, version) {
    const broker = context.broker;
    const operations = request.includeTopicAuthorizedOperations ? ALL_TOPIC_OPERATIONS : OPERATIONS_NOT_REQUESTED;
    const allTopics = request.topics === null || (version === 0 && request.topics.length === 0);
    const allowAutoCreation = version < 4 || request.allowAutoTopicCreation !== false;
    const topics: MetadataResponseMetadataResponseTopic[] = [];
    if (allTopics) {
      for (const topic of broker.logs.listTopics()) topics.push(describeTopic(broker, topic, operations));
    } else {
      for (const requested of request.topics ?? []) {
        if (requested.name === null || requested.name === undefined || requested.name === '') {
          const topic = requested.topicId ? broker.logs.getTopicById(requested.topicId) : undefined;
          if (topic === undefined) {
            topics.push(topicError(ErrorCode.UNKNOWN_TOPIC_ID, null, requested.topicId ?? ZERO_UUID));
          } else {
            topics.push(describeTopic(broker, topic, operations));
          }
          continue;
        }
        const found = findOrAutoCreateTopic(broker, requested.name, allowAutoCreation);
        if (found.topic === undefined) topics.push(topicError(found.errorCode, requested.name, ZERO_UUID));
        else topics.push(describeTopic(broker, found.topic, operations));
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: [
        { nodeId: broker.nodeId, host: broker.host, port: broker.config.advertisedPort || broker.port, rack: null },
      ],
      clusterId: broker.clusterId,
      controllerId: broker.nodeId,
      topics,
      clusterAuthorizedOperations: OPERATIONS_NOT_REQUESTED,
    };
  },
};

function describeTopic(
  broker: BrokerState,
  topic: TopicInfo,
  operations: number,
): MetadataResponseMetadataResponseTopic {
  const partitions = [];
  for (let index = 0; index < topic.partitions; index++) {
    partitions.push({
      errorCode: ErrorCode.NONE,
      partitionIndex: index,
      leaderId: broker.nodeId,
      leaderEpoch: 0,
      replicaNodes: [broker.nodeId],
      isrNodes: [broker.nodeId],
      offlineReplicas: [],
    });
  }
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: false,
    partitions,
    topicAuthorizedOperations: operations,
  };
}

function topicError(errorCode: number, name: string | null, topicId: string): MetadataResponseMetadataResponseTopic {
  return {
    errorCode,
    name,
    topicId,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: OPERATIONS_NOT_REQUESTED,
  };
}
