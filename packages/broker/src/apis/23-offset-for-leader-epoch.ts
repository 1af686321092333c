// OffsetForLeaderEpoch (key 23), v0-4. Consumers (KIP-320) ask for the end offset of the leader epoch their position
// came from, to detect log truncation. This single node has led every partition at epoch 0 since its creation, so
// epoch 0 ends at the log end offset. As in Kafka's leader epoch cache, an epoch above every known epoch, or -1
// (undefined), gets leader epoch -1 and end offset -1 with no error. CurrentLeaderEpoch (v2+) above 0 is
// UNKNOWN_LEADER_EPOCH (the client's metadata is ahead of ours, which cannot happen here unless it spoke to another
// cluster). Unknown topics or partitions get UNKNOWN_TOPIC_OR_PARTITION. ReplicaId (v3+) is ignored: there are no
// followers. LeaderEpoch in the response is v1+.
import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochRequestOffsetForLeaderPartition,
  OffsetForLeaderEpochResponse,
  OffsetForLeaderEpochResponseEpochEndOffset,
} from '../protocol/generated/offset-for-leader-epoch.ts';
import type { ApiHandler, BrokerState } from './api-handler.ts';

const LEADER_EPOCH = 0;
const UNDEFINED_EPOCH = -1;
const UNDEFINED_EPOCH_OFFSET = -1n;

export const offsetForLeaderEpochHandler: ApiHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse> = {
  apiKey: 23,
  minVersion: 0,
  maxVersion: 4,
  handle(context, request) {
    const topics = request.topics.map((topic) => ({
      topic: topic.topic,
      partitions: topic.partitions.map((partition) => endOffsetFor(context.broker, topic.topic, partition)),
    }));
    return { throttleTimeMs: 0, topics };
  },
};

function endOffsetFor(
  broker: BrokerState,
  topic: string,
  request: OffsetForLeaderEpochRequestOffsetForLeaderPartition,
): OffsetForLeaderEpochResponseEpochEndOffset {
  const answer = (errorCode: number, leaderEpoch: number, endOffset: bigint) => ({
    errorCode,
    partition: request.partition,
    leaderEpoch,
    endOffset,
  });
  const log = broker.logs.partition(topic, request.partition);
  if (log === undefined) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
  if ((request.currentLeaderEpoch ?? -1) > LEADER_EPOCH) {
    return answer(ErrorCode.UNKNOWN_LEADER_EPOCH, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
  }
  if (request.leaderEpoch !== LEADER_EPOCH) return answer(ErrorCode.NONE, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
  return answer(ErrorCode.NONE, LEADER_EPOCH, log.logEndOffset);
}
