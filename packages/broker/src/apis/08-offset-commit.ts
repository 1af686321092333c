// OffsetCommit (key 8), v0-9: stores a group's consumed positions, with optional metadata, answered once durable.
// Partitions of topics or partitions that do not exist get UNKNOWN_TOPIC_OR_PARTITION (as Kafka checks its
// metadata first); the rest go to the GroupCoordinator, which checks membership and generation for group members
// and accepts "simple" commits (generation -1, no member id; all of v0) only while the group has no members.
// v1 alone carries a per-partition commit timestamp; v2-4 carry a retention time, which is ignored (offsets are
// kept until the group is deleted); v6+ carry the leader epoch; v7+ carry group.instance.id (KIP-345). v9 is the
// same request for the KIP-848 protocol, which this broker does not run, so it is treated as classic.
import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetCommitResponseOffsetCommitResponsePartition,
} from '../protocol/generated/offset-commit.ts';
import type { ApiHandler } from './api-handler.ts';

type PartitionResult = OffsetCommitResponseOffsetCommitResponsePartition;

export const offsetCommitHandler: ApiHandler<OffsetCommitRequest, OffsetCommitResponse> = {
  apiKey: 8,
  minVersion: 0,
  maxVersion: 9,
  async handle(context, request, version) {
    const logs = context.broker.logs;
    const responseTopics = request.topics.map((topic) => ({ name: topic.name, partitions: [] as PartitionResult[] }));
    const offsets = [];
    /** Where each offset handed to the coordinator gets its answer. */
    const answers: PartitionResult[] = [];
    for (const [i, topic] of request.topics.entries()) {
      const partitionCount = logs.getTopic(topic.name)?.partitions ?? 0;
      for (const partition of topic.partitions) {
        const result: PartitionResult = { partitionIndex: partition.partitionIndex, errorCode: ErrorCode.NONE };
        responseTopics[i].partitions.push(result);
        if (partition.partitionIndex < 0 || partition.partitionIndex >= partitionCount) {
          result.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          continue;
        }
        const commitTimestamp = version === 1 ? Number(partition.commitTimestamp ?? -1n) : undefined;
        offsets.push({
          topic: topic.name,
          partition: partition.partitionIndex,
          offset: partition.committedOffset,
          leaderEpoch: partition.committedLeaderEpoch ?? -1,
          metadata: partition.committedMetadata,
          commitTimestamp,
        });
        answers.push(result);
      }
    }
    if (offsets.length > 0) {
      const results = await context.broker.groups.commitOffsets({
        groupId: request.groupId,
        generationId: request.generationIdOrMemberEpoch ?? -1,
        memberId: request.memberId ?? '',
        groupInstanceId: request.groupInstanceId ?? null,
        offsets,
      });
      for (const [i, result] of results.entries()) answers[i].errorCode = result.errorCode;
    }
    return { throttleTimeMs: 0, topics: responseTopics };
  },
};
