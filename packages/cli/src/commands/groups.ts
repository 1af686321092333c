// `orderflow groups`: the consumer groups, what `kafka-consumer-groups --describe` tells: each group's state, its
// members and the partitions assigned to them, and per partition the committed offset and the lag behind the log end.
import { Admin, type Group } from '@platformatic/kafka';
import { formatTable } from '../format-table.ts';
import { kafkaClientSettings } from '../kafka/kafka-client-options.ts';
import { kafkaErrorMessage } from '../kafka/kafka-error-message.ts';
import { readPartitionOffsets } from '../kafka/partition-offsets.ts';
import { parseCommandArgs } from '../parse-command-args.ts';

export const groupsHelp = `Usage: orderflow groups [<group>...] [--json]

Lists the consumer groups (or only the named ones) with their state, members, assignments and, per partition, the
committed offset, the latest offset and the lag between them (latest - committed; '-' where nothing is committed).

Options:
  --json       one JSON document instead of tables
  -h, --help   show this help

Environment:
  KAFKA_BROKERS   the Kafka to ask (default 127.0.0.1:9092); KAFKA_SASL_*, KAFKA_TLS as for the services`;

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

export async function groups(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'groups',
    args,
    { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help) {
    console.log(groupsHelp);
    return 0;
  }
  const kafka = kafkaClientSettings('groups');
  const admin = new Admin(kafka.options);
  let listed: string[];
  let reports: GroupReport[] = [];
  try {
    listed = [...(await admin.listGroups()).keys()].sort();
    if (positionals.every((name) => listed.includes(name))) {
      reports = await describe(admin, positionals.length > 0 ? positionals : listed);
    }
  } catch (error) {
    throw new Error(`consumer groups of Kafka at ${kafka.brokers}: ${kafkaErrorMessage(error)}`, { cause: error });
  } finally {
    await admin.close().catch(() => undefined);
  }
  const unknown = positionals.filter((name) => !listed.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `no consumer group ${unknown.map((name) => `'${name}'`).join(', ')} on Kafka at ${kafka.brokers}` +
        ` (groups: ${listed.join(', ') || 'none'})`,
    );
  }
  if (values.json) {
    console.log(JSON.stringify({ groups: reports }, null, 2));
  } else if (reports.length === 0) {
    console.log(`no consumer groups on Kafka at ${kafka.brokers}`);
  } else {
    console.log(reports.map(groupTable).join('\n\n'));
  }
  return 0;
}

async function describe(admin: Admin, names: readonly string[]): Promise<GroupReport[]> {
  if (names.length === 0) return [];
  const [described, committed, existingTopics] = await Promise.all([
    admin.describeGroups({ groups: [...names] }),
    admin.listConsumerGroupOffsets({ groups: [...names] }),
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
  const allTopics = [...new Set([...topicsOf.values()].flatMap((topics) => [...topics]))].filter((topic) =>
    existingTopics.includes(topic),
  );
  const offsets = await readPartitionOffsets(admin, allTopics);
  return names.map((name) => {
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

function groupTable(report: GroupReport): string {
  const members = report.members.length === 1 ? '1 member' : `${report.members.length} members`;
  const lines = [`GROUP ${report.group}  ${report.state}, ${members}, lag ${report.lag}`];
  if (report.members.length > 0) {
    const rows = report.members.map((member) => [
      member.id,
      member.clientId,
      member.host,
      member.assignments.map(({ topic, partitions }) => `${topic} ${partitions.join(',')}`).join('; ') || '-',
    ]);
    lines.push(formatTable(['MEMBER', 'CLIENT', 'HOST', 'ASSIGNED'], rows, '  '));
  }
  if (report.partitions.length > 0) {
    const rows = report.partitions.map((p) => [
      p.topic,
      p.partition,
      p.committed ?? '-',
      p.latest,
      p.lag ?? '-',
      p.member ?? '-',
    ]);
    lines.push(formatTable(['TOPIC', 'PARTITION', 'COMMITTED', 'LATEST', 'LAG', 'MEMBER'], rows, '  '));
  }
  return lines.join('\n');
}
