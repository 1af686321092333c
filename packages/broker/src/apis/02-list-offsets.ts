// ListOffsets (key 2), v0-10. Answers where a partition's log begins and ends, or which offset a timestamp maps to.
// Timestamp -1 (latest) is the high watermark; read_committed (isolation level 1, v2+) gets the same, since without
// transactions the last stable offset is the high watermark. -2 (earliest) is the log start offset, and so is -4
// (earliest local, KIP-405, v8+): there is no tiered storage, so the local log is the whole log. -5 (latest tiered,
// KIP-1005, v9+) finds nothing, as on a Kafka broker without remote storage. -3 (max timestamp, KIP-734, v7+) is the
// first record carrying the partition's largest timestamp. Any other timestamp is a search: the first offset whose
// record timestamp is at or after it, or offset -1 when no record is that recent.
// v0 returns `oldStyleOffsets`, at most MaxNumOffsets of them (Kafka 4 removed v0; its segment-based "offsets
// before" semantics are not reproduced: v0 gets the same single offset as v1+). The leader epoch (v4+) is always 0,
// so a CurrentLeaderEpoch above 0 is UNKNOWN_LEADER_EPOCH, and a partition named twice is INVALID_REQUEST (v1+).
import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  ListOffsetsRequest,
  ListOffsetsRequestListOffsetsPartition,
  ListOffsetsResponse,
  ListOffsetsResponseListOffsetsPartitionResponse,
} from '../protocol/generated/list-offsets.ts';
import type { PartitionLog } from '../storage/partition-log.ts';
import type { ApiHandler, BrokerState } from './api-handler.ts';

const LATEST_TIMESTAMP = -1n;
const EARLIEST_TIMESTAMP = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL_TIMESTAMP = -4n;
const LATEST_TIERED_TIMESTAMP = -5n;
/** Every partition is led by this broker at epoch 0, as Metadata reports. */
const LEADER_EPOCH = 0;
const NO_EPOCH = -1;

interface Lookup {
  readonly errorCode: number;
  readonly offset: bigint;
  readonly timestamp: bigint;
  readonly leaderEpoch: number;
}

export const listOffsetsHandler: ApiHandler<ListOffsetsRequest, ListOffsetsResponse> = {
  apiKey: 2,
  minVersion: 0,
  maxVersion: 10,
  handle(context, request, version) {
    const broker = context.broker;
    const requested = new Set<string>();
    const duplicates = new Set<string>();
    for (const topic of request.topics) {
      for (const partition of topic.partitions) {
        const key = `${partition.partitionIndex}:${topic.name}`;
        if (requested.has(key)) duplicates.add(key);
        requested.add(key);
      }
    }
    const topics = request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => {
        const lookup =
          version >= 1 && duplicates.has(`${partition.partitionIndex}:${topic.name}`)
            ? failed(ErrorCode.INVALID_REQUEST)
            : lookUp(broker, topic.name, partition);
        return respond(partition, lookup, version);
      }),
    }));
    return { throttleTimeMs: 0, topics };
  },
};

function lookUp(broker: BrokerState, topicName: string, partition: ListOffsetsRequestListOffsetsPartition): Lookup {
  const log = broker.logs.partition(topicName, partition.partitionIndex);
  if (log === undefined) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const currentLeaderEpoch = partition.currentLeaderEpoch ?? -1;
  if (currentLeaderEpoch > LEADER_EPOCH) return failed(ErrorCode.UNKNOWN_LEADER_EPOCH);
  return offsetFor(log, partition.timestamp);
}

function offsetFor(log: PartitionLog, timestamp: bigint): Lookup {
  switch (timestamp) {
    case LATEST_TIMESTAMP:
      return found(log.highWatermark, -1n);
    case EARLIEST_TIMESTAMP:
    case EARLIEST_LOCAL_TIMESTAMP:
      return found(log.logStartOffset, -1n);
    case LATEST_TIERED_TIMESTAMP:
      return notFound();
    case MAX_TIMESTAMP: {
      const max = log.maxTimestampOffset();
      return max === null ? notFound() : found(max.offset, max.timestamp);
    }
    default: {
      const match = log.offsetForTimestamp(timestamp);
      return match === null ? notFound() : found(match.offset, match.timestamp);
    }
  }
}

function found(offset: bigint, timestamp: bigint): Lookup {
  return { errorCode: ErrorCode.NONE, offset, timestamp, leaderEpoch: LEADER_EPOCH };
}

function notFound(): Lookup {
  return { errorCode: ErrorCode.NONE, offset: -1n, timestamp: -1n, leaderEpoch: NO_EPOCH };
}

function failed(errorCode: number): Lookup {
  return { errorCode, offset: -1n, timestamp: -1n, leaderEpoch: NO_EPOCH };
}

// The encoder refuses a non-default value in a version that lacks the field, so each version gets only its own.
function respond(
  partition: ListOffsetsRequestListOffsetsPartition,
  lookup: Lookup,
  version: number,
): ListOffsetsResponseListOffsetsPartitionResponse {
  const answer = { partitionIndex: partition.partitionIndex, errorCode: lookup.errorCode };
  if (version === 0) {
    const wanted = lookup.errorCode === ErrorCode.NONE && lookup.offset >= 0n && (partition.maxNumOffsets ?? 1) > 0;
    return { ...answer, oldStyleOffsets: wanted ? [lookup.offset] : [] };
  }
  const found = { ...answer, timestamp: lookup.timestamp, offset: lookup.offset };
  return version >= 4 ? { ...found, leaderEpoch: lookup.leaderEpoch } : found;
}
