// OffsetFetch (key 9), v0-9: a group's committed offsets; a partition with none gets offset -1 and no error, as in
// Kafka, and topics are not checked for existence. v2+ may pass a null topic list to get every committed
// partition, and report group-level errors at the top level; v5+ return the committed leader epoch; v7+ carry
// requireStable (KIP-447), which changes nothing here because without transactions no commit is ever pending;
// v8+ ask for several groups at once (KIP-709), each answered with its own error; v9's member id and epoch belong
// to the KIP-848 protocol, which this broker does not run, so they are ignored.
import type { OffsetFetchResult } from '../groups/coordinator-types.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  OffsetFetchRequest,
  OffsetFetchRequestOffsetFetchRequestTopic,
  OffsetFetchResponse,
  OffsetFetchResponseOffsetFetchResponseTopics,
} from '../protocol/generated/offset-fetch.ts';
import type { ApiHandler } from './api-handler.ts';

export const offsetFetchHandler: ApiHandler<OffsetFetchRequest, OffsetFetchResponse> = {
  apiKey: 9,
  minVersion: 0,
  maxVersion: 9,
  handle(context, request, version) {
    const coordinator = context.broker.groups;
    const requireStable = request.requireStable ?? false;
    if (version >= 8) {
      const groups = (request.groups ?? []).map((group) => {
        const result = coordinator.fetchOffsets({
          groupId: group.groupId,
          topics: toTopics(group.topics),
          requireStable,
        });
        return { groupId: group.groupId, errorCode: result.errorCode, topics: toResponseTopics(result.topics) };
      });
      return { throttleTimeMs: 0, groups };
    }
    // v0-1 cannot ask for all topics: a null list only exists from v2.
    const requested = version >= 2 ? (request.topics ?? null) : (request.topics ?? []);
    const result = coordinator.fetchOffsets({
      groupId: request.groupId ?? '',
      topics: toTopics(requested),
      requireStable,
    });
    if (version >= 2) {
      const topics = result.errorCode === ErrorCode.NONE ? toResponseTopics(result.topics) : [];
      return { throttleTimeMs: 0, errorCode: result.errorCode, topics };
    }
    // v0-1 have no top-level error code: a group-level error is reported on every requested partition.
    const topics =
      result.errorCode === ErrorCode.NONE
        ? toResponseTopics(result.topics)
        : (requested ?? []).map((topic) => ({
            name: topic.name,
            partitions: topic.partitionIndexes.map((partitionIndex) => ({
              partitionIndex,
              committedOffset: -1n,
              committedLeaderEpoch: -1,
              metadata: '',
              errorCode: result.errorCode,
            })),
          }));
    return { throttleTimeMs: 0, topics };
  },
};

function toTopics(
  topics: readonly Pick<OffsetFetchRequestOffsetFetchRequestTopic, 'name' | 'partitionIndexes'>[] | null,
): { name: string; partitions: number[] }[] | null {
  return topics === null ? null : topics.map((topic) => ({ name: topic.name, partitions: topic.partitionIndexes }));
}

/** The v8+ topic shape; it also fits v0-7's, whose leader epoch is merely optional. */
function toResponseTopics(topics: OffsetFetchResult['topics']): OffsetFetchResponseOffsetFetchResponseTopics[] {
  return topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((partition) => ({
      partitionIndex: partition.partition,
      committedOffset: partition.offset,
      committedLeaderEpoch: partition.leaderEpoch,
      metadata: partition.metadata,
      errorCode: partition.errorCode,
    })),
  }));
}
