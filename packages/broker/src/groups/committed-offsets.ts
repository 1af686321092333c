// OffsetCommit and OffsetFetch on the coordinator's side: which commits a group accepts (Kafka's
// validateOffsetCommit plus the state rules of doCommitOffsets), the offset.metadata.max.bytes limit, and the
// answers built from the OffsetStore. Group lookup and member liveness stay with the GroupCoordinator.
import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  FetchedOffset,
  OffsetCommitParams,
  OffsetCommitResult,
  OffsetFetchParams,
  OffsetFetchResult,
} from './coordinator-types.ts';
import type { Group } from './group.ts';
import type { CommittedOffset, OffsetCommitEntry, OffsetStore } from './offset-store.ts';

export interface CommittedOffsetsOptions {
  readonly log: Logger;
  readonly store: OffsetStore;
  /** The clock for commit timestamps the client did not set. */
  readonly now: () => number;
  /** Kafka's offset.metadata.max.bytes. */
  readonly maxOffsetMetadataBytes: number;
}

export class CommittedOffsets {
  readonly #log: Logger;
  readonly #store: OffsetStore;
  readonly #now: () => number;
  readonly #maxOffsetMetadataBytes: number;

  constructor(options: CommittedOffsetsOptions) {
    this.#log = options.log;
    this.#store = options.store;
    this.#now = options.now;
    this.#maxOffsetMetadataBytes = options.maxOffsetMetadataBytes;
  }

  /** Persists the commits the checks let through; answers once they are fsynced. */
  async commit(group: Group, params: OffsetCommitParams): Promise<OffsetCommitResult[]> {
    const results: OffsetCommitResult[] = [];
    const entries: OffsetCommitEntry[] = [];
    for (const offset of params.offsets) {
      const metadata = offset.metadata ?? '';
      if (Buffer.byteLength(metadata) > this.#maxOffsetMetadataBytes) {
        results.push({
          topic: offset.topic,
          partition: offset.partition,
          errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE,
        });
        continue;
      }
      results.push({ topic: offset.topic, partition: offset.partition, errorCode: ErrorCode.NONE });
      entries.push({
        topic: offset.topic,
        partition: offset.partition,
        offset: offset.offset,
        leaderEpoch: offset.leaderEpoch,
        metadata,
        commitTimestamp:
          offset.commitTimestamp !== undefined && offset.commitTimestamp >= 0 ? offset.commitTimestamp : this.#now(),
      });
    }
    if (entries.length === 0) return results;
    try {
      await this.#store.commit(group.groupId, entries);
      return results;
    } catch (error) {
      this.#log.error({ err: error, groupId: group.groupId }, 'could not persist committed offsets');
      return results.map((r) =>
        r.errorCode === ErrorCode.NONE ? { ...r, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE } : r,
      );
    }
  }

  fetch(params: OffsetFetchParams): OffsetFetchResult {
    const committed = this.#store.offsetsOf(params.groupId);
    if (params.topics === null) {
      const topics = [...committed].map(([name, partitions]) => ({
        name,
        partitions: [...partitions].map(([partition, offset]) => fetched(partition, offset)),
      }));
      return { errorCode: ErrorCode.NONE, topics };
    }
    const topics = params.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => fetched(partition, committed.get(topic.name)?.get(partition))),
    }));
    return { errorCode: ErrorCode.NONE, topics };
  }
}

/** Kafka's validateOffsetCommit plus the state rules of doCommitOffsets. */
export function validateOffsetCommit(group: Group, params: OffsetCommitParams): number {
  if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  const fromMember = params.generationId >= 0 || params.memberId !== '' || params.groupInstanceId !== null;
  if (fromMember) {
    if (group.isStaticMemberFenced(params.memberId, params.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    if (!group.has(params.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (params.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    // The member has its JoinGroup response but not its assignment yet: it commits after it syncs.
    if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }
  // A simple commit (no generation, no member): only allowed while no members own the group's partitions.
  return group.state === 'Empty' ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
}

function fetched(partition: number, committed: CommittedOffset | undefined): FetchedOffset {
  if (committed === undefined) {
    return { partition, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
  }
  return {
    partition,
    offset: committed.offset,
    leaderEpoch: committed.leaderEpoch,
    metadata: committed.metadata,
    errorCode: ErrorCode.NONE,
  };
}
