// DeleteTopics (key 20), v0-6. Deletes topics with their data. v0-5 name topics in TopicNames; v6 lists Topics, each
// named either by name or by id (KIP-516), never both (INVALID_REQUEST). An unknown name is
// UNKNOWN_TOPIC_OR_PARTITION, an unknown id UNKNOWN_TOPIC_ID; a topic listed twice is INVALID_REQUEST, reported once.
// The response carries the name (null at v6 for an unknown id), the topic id (v6) and an error message (v5+).
// Deletion is immediate: Kafka's asynchronous deletion has nothing to wait for on a single node.
import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  DeleteTopicsResponseDeletableTopicResult,
} from '../protocol/generated/delete-topics.ts';
import type { ApiHandler, BrokerState } from './api-handler.ts';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

interface Target {
  readonly name: string | null;
  readonly topicId: string;
}

export const deleteTopicsHandler: ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse> = {
  apiKey: 20,
  minVersion: 0,
  maxVersion: 6,
  handle(context, request, version) {
    const targets: Target[] =
      version >= 6
        ? (request.topics ?? []).map((topic) => ({ name: topic.name ?? null, topicId: topic.topicId ?? ZERO_UUID }))
        : (request.topicNames ?? []).map((name) => ({ name, topicId: ZERO_UUID }));
    const counts = new Map<string, number>();
    for (const target of targets) counts.set(keyOf(target), (counts.get(keyOf(target)) ?? 0) + 1);
    const answered = new Set<string>();
    const responses: DeleteTopicsResponseDeletableTopicResult[] = [];
    for (const target of targets) {
      const key = keyOf(target);
      if (answered.has(key)) continue;
      answered.add(key);
      if ((counts.get(key) ?? 0) > 1) {
        const what = target.name === null ? 'id' : 'name';
        responses.push(result(target.name, target.topicId, ErrorCode.INVALID_REQUEST, `Duplicate topic ${what}.`));
        continue;
      }
      responses.push(deleteOne(context.broker, target));
    }
    return { throttleTimeMs: 0, responses };
  },
};

function keyOf(target: Target): string {
  return target.name === null ? `id:${target.topicId}` : `name:${target.name}`;
}

function deleteOne(broker: BrokerState, target: Target): DeleteTopicsResponseDeletableTopicResult {
  const byId = target.topicId !== ZERO_UUID;
  if (target.name !== null && byId) {
    return result(
      target.name,
      target.topicId,
      ErrorCode.INVALID_REQUEST,
      'You may not specify both topic name and topic id.',
    );
  }
  if (target.name === null && !byId) {
    return result(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.');
  }
  const topic = byId ? broker.logs.getTopicById(target.topicId) : broker.logs.getTopic(target.name ?? '');
  if (topic === undefined) {
    return byId
      ? result(null, target.topicId, ErrorCode.UNKNOWN_TOPIC_ID, `Topic id ${target.topicId} does not exist.`)
      : result(target.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${target.name}' does not exist.`);
  }
  const errorCode = broker.logs.deleteTopic(topic.name);
  if (errorCode !== ErrorCode.NONE) {
    return result(topic.name, topic.topicId, errorCode, `Topic '${topic.name}' could not be deleted.`);
  }
  return result(topic.name, topic.topicId, ErrorCode.NONE, null);
}

function result(
  name: string | null,
  topicId: string,
  errorCode: number,
  errorMessage: string | null,
): DeleteTopicsResponseDeletableTopicResult {
  return { name, topicId, errorCode, errorMessage };
}
