// Rewinds a consumer group to the start of the retained log, the standard way (what `kafka-consumer-groups.sh
// --reset-offsets --to-earliest --execute` does): DescribeGroups to see that the group has no members, ListOffsets
// with timestamp -2 for each partition's log start offset, then OffsetCommit as a non-member (generation -1, empty
// member id), which Kafka accepts only while the group is Empty or Dead.
import { Admin } from '@platformatic/kafka';
import { PlatformErrors } from '../errors.ts';
import { clientOptions, type KafkaConnection } from './kafka-connection.ts';

export interface RewoundPartition {
  readonly topic: string;
  readonly partition: number;
  /** The log start offset the group now resumes from. */
  readonly offset: number;
}

export interface GroupRewindOptions {
  /** How long to wait for members that are still leaving (a consumer that just stopped); default 10 s. */
  readonly emptyTimeoutMs?: number;
}

// ListOffsets' special timestamp for the log start offset (Kafka protocol).
const EARLIEST = -2n;
const MEMBER_POLL_MS = 200;

/**
 * Commits the earliest offset of every partition of `topics` for `groupId`. Rejects with KAFKA_GROUP_NOT_EMPTY when
 * the group still has members after `emptyTimeoutMs`: rewinding a group under running consumers would be undone by
 * their next commit.
 */
export async function rewindGroupToEarliest(
  connection: KafkaConnection,
  groupId: string,
  topics: readonly string[],
  options: GroupRewindOptions = {},
): Promise<RewoundPartition[]> {
  const admin = new Admin({ ...clientOptions(connection), clientId: `${connection.clientId}-rewind` });
  try {
    await waitUntilEmpty(admin, groupId, options.emptyTimeoutMs ?? 10_000);
    const metadata = await admin.metadata({ topics: [...topics] });
    const listed = await admin.listOffsets({
      topics: topics.map((name) => ({
        name,
        partitions: Array.from({ length: metadata.topics.get(name)?.partitionsCount ?? 0 }, (_, partitionIndex) => ({
          partitionIndex,
          timestamp: EARLIEST,
        })),
      })),
    });
    const rewound: RewoundPartition[] = listed.flatMap((topic) =>
      topic.partitions.map((p) => ({ topic: topic.name, partition: p.partitionIndex, offset: Number(p.offset) })),
    );
    await admin.alterConsumerGroupOffsets({
      groupId,
      topics: listed.map((topic) => ({
        name: topic.name,
        partitionOffsets: topic.partitions.map((p) => ({ partition: p.partitionIndex, offset: p.offset })),
      })),
    });
    return rewound.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

async function waitUntilEmpty(admin: Admin, groupId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const group = (await admin.describeGroups({ groups: [groupId] })).get(groupId);
    const members = group?.members.size ?? 0;
    if (members === 0) return;
    if (Date.now() >= deadline) {
      throw PlatformErrors.create(
        'KAFKA_GROUP_NOT_EMPTY',
        `group '${groupId}' still has ${members} member(s); stop every consumer of the group first`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, MEMBER_POLL_MS));
  }
}
