// `orderflow reset-offsets <group>`: rewinds (or fast-forwards) a consumer group, with the semantics of
// kafka-consumer-groups.sh --reset-offsets: one target, a dry run unless --execute, refused while the group has
// members (Kafka only lets a group's offsets be changed from outside when it is Empty or Dead: a live member would
// commit its own positions over them), targets clamped to the log. Standard APIs only: DescribeGroups, OffsetFetch,
// ListOffsets (by timestamp, KIP-79) and OffsetCommit with generation -1 and no member id.
import { Admin } from '@platformatic/kafka';
import { formatTable } from '../format-table.ts';
import { readGroupReports } from '../kafka/group-reports.ts';
import { kafkaClientSettings } from '../kafka/kafka-client-options.ts';
import { kafkaErrorMessage } from '../kafka/kafka-error-message.ts';
import {
  type PartitionPosition,
  type PlannedReset,
  parseIsoDatetime,
  parseIsoDuration,
  planPartitionReset,
  type ResetTarget,
} from '../kafka/offset-reset-plan.ts';
import { readPartitionOffsets } from '../kafka/partition-offsets.ts';
import { parseCommandArgs } from '../parse-command-args.ts';
import { UsageError } from '../usage-error.ts';

export const resetOffsetsHelp = `Usage: orderflow reset-offsets <group> <target> [--topic <name>[:<p>,<p>…]]... [--execute] [--json]

Moves a consumer group's committed offsets, so that its consumers process the events again from there (replay) or
skip ahead. A dry run unless --execute: it prints GROUP, TOPIC, PARTITION, CURRENT-OFFSET and NEW-OFFSET and
changes nothing. The group must have no active members (state Empty or Dead), as Kafka requires: stop its consumers
first (e.g. orderflow up --only … without that service), then start them again after the reset.

Target (exactly one):
  --to-earliest             the first offset still in the log
  --to-latest               the log end: skip everything not yet processed
  --to-offset <n>           offset n in every partition in scope
  --shift-by <±n>           the committed offset plus n (minus n to replay the last n events per partition)
  --to-datetime <ISO 8601>  the first offset at or after that time, e.g. 2026-12-06T10:00:00Z
  --by-duration <ISO 8601>  the first offset at or after that long ago, e.g. PT10M, P1DT2H

A target outside [earliest, latest] is clamped to the nearest end, and the output says so.

Options:
  --topic <name>[:<p>,…]    the topics (and partitions) to reset, repeatable; default every topic the group has
                            committed offsets for
  --execute                 commit the new offsets
  --json                    one JSON document instead of a table
  -h, --help                show this help

Exits 1 when the group has active members or Kafka refuses, 2 on bad options (two targets, an unknown topic, a
partition that does not exist).

Environment:
  KAFKA_BROKERS   the Kafka to ask (default 127.0.0.1:9092); KAFKA_SASL_*, KAFKA_TLS as for the services`;

const RESETTABLE_STATES = new Set(['Empty', 'Dead', 'Unknown']);
const TARGET_FLAGS = ['to-earliest', 'to-latest', 'to-offset', 'shift-by', 'to-datetime', 'by-duration'] as const;

interface TopicScope {
  readonly topic: string;
  /** Undefined: every partition of the topic. */
  readonly partitions?: readonly number[];
}

export async function resetOffsets(args: readonly string[], now: () => number = Date.now): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'reset-offsets',
    joinNegativeShift(args),
    {
      'to-earliest': { type: 'boolean' },
      'to-latest': { type: 'boolean' },
      'to-offset': { type: 'string' },
      'shift-by': { type: 'string' },
      'to-datetime': { type: 'string' },
      'by-duration': { type: 'string' },
      topic: { type: 'string', multiple: true },
      execute: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) {
    console.log(resetOffsetsHelp);
    return 0;
  }
  const [group, ...rest] = positionals;
  if (group === undefined || group === '') throw usage('missing <group>');
  if (rest.length > 0) throw usage(`unexpected argument '${rest[0]}'`);
  const target = parseTarget(values, now);
  const scopes = (values.topic ?? []).map(parseScope);

  const kafka = kafkaClientSettings('reset-offsets');
  const admin = new Admin(kafka.options);
  try {
    const [report] = await readGroupReports(admin, [group]);
    if (!RESETTABLE_STATES.has(report!.state)) {
      throw refusal(
        `group '${group}' is ${report!.state} with ${report!.members.length} active member(s); Kafka resets only Empty ` +
          'or Dead groups: stop its consumers first',
      );
    }
    const committed = new Map<string, number>();
    for (const p of report!.partitions)
      if (p.committed !== null) committed.set(`${p.topic}:${p.partition}`, p.committed);
    const existing = new Set(await admin.listTopics());
    const topics =
      scopes.length > 0 ? scopes.map((scope) => scope.topic) : [...new Set(report!.partitions.map((p) => p.topic))];
    for (const topic of topics) {
      if (!existing.has(topic)) throw usage(`no topic '${topic}' on Kafka at ${kafka.brokers}`);
    }
    if (topics.length === 0) {
      throw refusal(`group '${group}' has committed no offsets; name the topics with --topic`);
    }
    const offsets = await readPartitionOffsets(admin, topics);
    for (const scope of scopes) {
      const count = offsets.filter((o) => o.topic === scope.topic).length;
      for (const partition of scope.partitions ?? []) {
        if (partition >= count) {
          throw usage(`topic '${scope.topic}' has no partition ${partition} (it has ${count}: 0-${count - 1})`);
        }
      }
    }
    const inScope = offsets.filter((o) => {
      if (scopes.length === 0) return committed.has(`${o.topic}:${o.partition}`);
      const scope = scopes.filter((s) => s.topic === o.topic);
      return scope.some((s) => s.partitions === undefined || s.partitions.includes(o.partition));
    });
    const atTime = target.kind === 'time' ? await offsetsAtTime(admin, inScope, target.timestamp) : new Map();
    const plan = inScope.map((o) =>
      planPartitionReset(
        {
          topic: o.topic,
          partition: o.partition,
          current: committed.get(`${o.topic}:${o.partition}`) ?? null,
          earliest: o.earliest,
          latest: o.latest,
          atTime: atTime.get(`${o.topic}:${o.partition}`) ?? null,
        } satisfies PartitionPosition,
        target,
      ),
    );
    if (values.execute && plan.length > 0) {
      const byTopic = new Map<string, PlannedReset[]>();
      for (const reset of plan) byTopic.set(reset.topic, [...(byTopic.get(reset.topic) ?? []), reset]);
      await admin.alterConsumerGroupOffsets({
        groupId: group,
        topics: [...byTopic].map(([name, resets]) => ({
          name,
          partitionOffsets: resets.map(({ partition, next }) => ({ partition, offset: BigInt(next) })),
        })),
      });
    }
    print(group, plan, values.execute === true, values.json === true);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error as { refused?: boolean }).refused) throw error;
    throw new Error(`reset-offsets of '${group}' on Kafka at ${kafka.brokers}: ${kafkaErrorMessage(error)}`, {
      cause: error,
    });
  } finally {
    await admin.close().catch(() => undefined);
  }
}

function print(group: string, plan: readonly PlannedReset[], executed: boolean, json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ group, executed, partitions: plan }, null, 2));
    return;
  }
  const rows = plan.map((p) => [group, p.topic, p.partition, p.current ?? '-', p.next]);
  console.log(formatTable(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'], rows));
  for (const p of plan) {
    if (p.clamped !== null) {
      console.log(`${p.topic}:${p.partition}: target outside the log, clamped to the ${p.clamped} offset ${p.next}`);
    }
  }
  console.log(
    executed
      ? `committed the new offsets of group '${group}'; its consumers start there when they join`
      : 'dry run: nothing changed; --execute to commit the new offsets',
  );
}

async function offsetsAtTime(
  admin: Admin,
  partitions: readonly { topic: string; partition: number }[],
  timestamp: number,
): Promise<Map<string, number | null>> {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  const listed = await admin.listOffsets({
    topics: [...byTopic].map(([name, indexes]) => ({
      name,
      partitions: indexes.map((partitionIndex) => ({ partitionIndex, timestamp: BigInt(timestamp) })),
    })),
  });
  const result = new Map<string, number | null>();
  for (const topic of listed) {
    for (const p of topic.partitions) {
      // -1: no record at or after the timestamp (Kafka protocol).
      result.set(`${topic.name}:${p.partitionIndex}`, p.offset < 0n ? null : Number(p.offset));
    }
  }
  return result;
}

function parseTarget(values: Record<string, string | boolean | string[] | undefined>, now: () => number): ResetTarget {
  const given = TARGET_FLAGS.filter((flag) => values[flag] !== undefined);
  if (given.length !== 1) {
    throw usage(
      given.length === 0
        ? `missing target: one of ${TARGET_FLAGS.map((f) => `--${f}`).join(', ')}`
        : `one target only, got ${given.map((f) => `--${f}`).join(' and ')}`,
    );
  }
  const [flag] = given;
  const raw = String(values[flag!]);
  switch (flag) {
    case 'to-earliest':
      return { kind: 'earliest' };
    case 'to-latest':
      return { kind: 'latest' };
    case 'to-offset': {
      if (!/^\d+$/.test(raw)) throw usage(`--to-offset takes a non-negative integer, got '${raw}'`);
      return { kind: 'offset', offset: Number(raw) };
    }
    case 'shift-by': {
      if (!/^[+-]?\d+$/.test(raw)) throw usage(`--shift-by takes an integer such as -10 or 5, got '${raw}'`);
      return { kind: 'shift', by: Number(raw) };
    }
    case 'to-datetime': {
      const timestamp = parseIsoDatetime(raw);
      if (timestamp === undefined) {
        throw usage(`--to-datetime takes an ISO 8601 date-time such as 2026-12-06T10:00:00Z, got '${raw}'`);
      }
      return { kind: 'time', timestamp };
    }
    default: {
      const duration = parseIsoDuration(raw);
      if (duration === undefined) throw usage(`--by-duration takes an ISO 8601 duration such as PT10M, got '${raw}'`);
      return { kind: 'time', timestamp: now() - duration };
    }
  }
}

/** `--shift-by -3` as kafka-consumer-groups.sh takes it; util.parseArgs alone would read -3 as a flag. */
function joinNegativeShift(args: readonly string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (args[i] === '--shift-by' && next !== undefined && /^-\d+$/.test(next)) {
      joined.push(`--shift-by=${next}`);
      i++;
    } else {
      joined.push(args[i]!);
    }
  }
  return joined;
}

function parseScope(raw: string): TopicScope {
  const [topic, list, ...extra] = raw.split(':');
  if (topic === undefined || topic === '' || extra.length > 0) {
    throw usage(`--topic takes <name> or <name>:<p>,<p>…, got '${raw}'`);
  }
  if (list === undefined) return { topic };
  const partitions = list.split(',');
  if (partitions.some((p) => !/^\d+$/.test(p))) {
    throw usage(`--topic ${raw}: partitions are non-negative integers separated by commas`);
  }
  return { topic, partitions: partitions.map(Number) };
}

function usage(message: string): UsageError {
  return new UsageError(`orderflow reset-offsets: ${message}`);
}

function refusal(message: string): Error {
  return Object.assign(new Error(`reset-offsets: ${message}`), { refused: true });
}
