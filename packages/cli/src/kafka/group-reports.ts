// What `kafka-consumer-groups --describe` tells about consumer groups: each group's state, its members and the
// partitions assigned to them, and per partition the committed offset and the lag behind the log end. Shared by
// `orderflow groups` and the console's poller.
import type { Admin, Group } from '@platformatic/kafka';
import { type PartitionOffsets, readPartitionOffsets } from './partition-offsets.ts';

export interface GroupReport {
  readonly group: string;
  readonly state: string;
  readonly protocol: string;
  readonly members: readonly {
    id: string;
    clientId: string;
    host: string;
    assignments: readonly { topic: string; partitions: readonly number[] }[];
  }[];
  readonly partitions: readonly {
    topic: string;
    partition: number;
    /** null when the group has committed nothing for this partition. */
    committed: number | null;
    latest: number;
    lag: number | null;
    /** The member id the partition is assigned to, null when none is. */
    member: string | null;
  }[];
  /** Sum of the partitions' lag. */
  readonly lag: number;
}

/** Reports of the named groups, in that order; a name the cluster does not know reports state Unknown. */
export async function readGroupReports(admin: Admin, names: readonly string[]): Promise<GroupReport[]> {
  return (await readGroupsAndOffsets(admin, names)).reports;
}

export interface GroupsAndOffsets {
  readonly reports: GroupReport[];
  /** Earliest and latest offsets of the groups' topics and of those `alsoRead` picked. */
  readonly offsets: PartitionOffsets[];
}

/**
 * The group reports plus the offsets of more topics, in the same requests: `alsoRead` picks from the cluster's
 * topic list the ones wanted besides the groups' own (the console asks for the event and dead-letter topics).
 */
export async function readGroupsAndOffsets(
  admin: Admin,
  names: readonly string[],
  alsoRead: (existing: readonly string[]) => readonly string[] = () => [],
): Promise<GroupsAndOffsets> {
  const [described, committed, existingTopics] = await Promise.all([
    names.length === 0 ? new Map<string, Group>() : admin.describeGroups({ groups: [...names] }),
    names.length === 0 ? [] : admin.listConsumerGroupOffsets({ groups: [...names] }),
    admin.listTopics({ includeInternals: true }),
  ]);
  const committedOf = new Map<string, Map<string, number>>();
  const topicsOf = new Map<string, Set<string>>();
  for (const { groupId, topics } of committed) {
    const offsets = new Map<string, number>();
    for (const topic of topics) {
      for (const { partitionIndex, committedOffset } of topic.partitions) {
        // -1 is OffsetFetch's "nothing committed".
        if (committedOffset >= 0n) offsets.set(`${topic.name}:${partitionIndex}`, Number(committedOffset));
      }
    }
    committedOf.set(groupId, offsets);
    topicsOf.set(groupId, new Set(topics.map((topic) => topic.name)));
  }
  for (const [name, group] of described) {
    const topics = topicsOf.get(name) ?? new Set<string>();
    for (const member of group.members.values()) {
      for (const topic of member.metadata?.topics ?? []) topics.add(topic);
      for (const topic of member.assignments?.keys() ?? []) topics.add(topic);
    }
    topicsOf.set(name, topics);
  }
  const allTopics = [
    ...new Set([...[...topicsOf.values()].flatMap((topics) => [...topics]), ...alsoRead(existingTopics)]),
  ].filter((topic) => existingTopics.includes(topic));
  const offsets = await readPartitionOffsets(admin, allTopics);
  const reports = names.map((name) => {
    const group = described.get(name);
    const groupCommitted = committedOf.get(name) ?? new Map<string, number>();
    const groupTopics = topicsOf.get(name) ?? new Set<string>();
    const owner = ownerOfPartitions(group);
    const partitions = offsets
      .filter(({ topic }) => groupTopics.has(topic))
      .map(({ topic, partition, latest }) => {
        const key = `${topic}:${partition}`;
        const committedOffset = groupCommitted.get(key) ?? null;
        return {
          topic,
          partition,
          committed: committedOffset,
          latest,
          lag: committedOffset === null ? null : Math.max(0, latest - committedOffset),
          member: owner.get(key) ?? null,
        };
      });
    return {
      group: name,
      state: group?.state ?? 'Unknown',
      protocol: group?.protocol ?? '',
      members: [...(group?.members.values() ?? [])].map((member) => ({
        id: member.id,
        clientId: member.clientId,
        host: member.clientHost,
        assignments: [...(member.assignments?.values() ?? [])].map(({ topic, partitions: assigned }) => ({
          topic,
          partitions: [...assigned].sort((a, b) => a - b),
        })),
      })),
      partitions,
      lag: partitions.reduce((sum, partition) => sum + (partition.lag ?? 0), 0),
    };
  });
  return { reports, offsets };
}

function ownerOfPartitions(group: Group | undefined): Map<string, string> {
  const owner = new Map<string, string>();
  for (const member of group?.members.values() ?? []) {
    for (const { topic, partitions } of member.assignments?.values() ?? []) {
      for (const partition of partitions) owner.set(`${topic}:${partition}`, member.id);
    }
  }
  return owner;
}
