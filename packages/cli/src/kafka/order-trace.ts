// Where one order is: its events on order-topic and stock-topic, and for every consumer group that reads those topics
// whether it has processed each event (its committed offset is past it), dead-lettered it (the event is in the
// group's dead-letter topic) or not reached it yet. Only standard Kafka APIs: ListOffsets (by timestamp, KIP-79),
// Fetch, ListGroups and OffsetFetch, so it answers on Apache Kafka as on our broker.
//
// Events are found by key (order events are keyed by order id) in every partition, from a little before the order was
// created: scanning every partition rather than computing the key's one keeps it right whatever partitioner the
// producers use.
import { Topics } from '@orderflow/contracts';
import { DeadLetterHeaders, deadLetterTopic } from '@orderflow/platform';
import type { Admin, Consumer } from '@platformatic/kafka';
import { readPartitionOffsets } from './partition-offsets.ts';
import { readRecordRange } from './record-range.ts';

export const TRACED_TOPICS: readonly string[] = [Topics.orders, Topics.stock];
/** Records read per partition at most, so a trace of an old order on a busy topic stays bounded. */
export const DEFAULT_SCAN_LIMIT = 50_000;
// Producers stamp records with their own clock; start a little before the order's creation time.
const CLOCK_SLACK_MS = 60_000;

export type GroupProgress = 'processed' | 'dead-lettered' | 'pending';

export interface TracedEvent {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly time: string;
  readonly type: string | null;
  readonly eventId: string | null;
  /** Every group that has committed offsets for the event's topic, with how far it got with this event. */
  readonly groups: Readonly<Record<string, GroupProgress>>;
}

export interface OrderTrace {
  readonly orderId: string;
  readonly events: readonly TracedEvent[];
  /** True when a partition held more records after the start than the scan limit: older events may be missing. */
  readonly truncated: boolean;
}

export interface TraceKafka {
  readonly admin: Admin;
  /** Used for Fetch only; its group is never joined. */
  readonly consumer: Consumer;
}

export interface TraceOptions {
  /** When the order was created (from order-service); without it every retained record is scanned, up to the limit. */
  readonly since?: Date;
  readonly scanLimit?: number;
}

export async function traceOrder(kafka: TraceKafka, orderId: string, options: TraceOptions = {}): Promise<OrderTrace> {
  const [trace] = await traceOrders(kafka, [orderId], options);
  return trace!;
}

/**
 * The traces of several orders from one scan of each topic (what the console's orders table shows): one trace per id,
 * in the order given. `since` is then the creation time of the oldest of them.
 */
export async function traceOrders(
  kafka: TraceKafka,
  orderIds: readonly string[],
  options: TraceOptions = {},
): Promise<OrderTrace[]> {
  const wanted = new Set(orderIds);
  const limit = options.scanLimit ?? DEFAULT_SCAN_LIMIT;
  const since = options.since === undefined ? undefined : options.since.getTime() - CLOCK_SLACK_MS;
  const existing = new Set(await kafka.admin.listTopics());
  const topics = TRACED_TOPICS.filter((topic) => existing.has(topic));
  const committed =
    wanted.size === 0
      ? new Map<string, Map<string, Map<number, number>>>()
      : await committedOffsets(kafka.admin, topics);
  const matches = (record: { key: string | null }) => record.key !== null && wanted.has(record.key);
  let truncated = false;

  const found: {
    topic: string;
    partition: number;
    offset: number;
    timestamp: number;
    key: string;
    value: string | null;
  }[] = [];
  for (const topic of wanted.size === 0 ? [] : topics) {
    const scanned = await scan(kafka, topic, since, limit, matches);
    truncated ||= scanned.truncated;
    found.push(...scanned.records.map((record) => ({ topic, ...record, key: record.key! })));
  }

  const deadLettered = new Set<string>();
  for (const [group, byTopic] of committed) {
    for (const topic of byTopic.keys()) {
      const dlq = deadLetterTopic(topic, group);
      if (!existing.has(dlq)) continue;
      const scanned = await scan(kafka, dlq, since, limit, matches);
      truncated ||= scanned.truncated;
      for (const record of scanned.records) {
        const origin = `${record.headers[DeadLetterHeaders.originalTopic]}:${record.headers[DeadLetterHeaders.originalPartition]}:${record.headers[DeadLetterHeaders.originalOffset]}`;
        deadLettered.add(`${group}|${origin}`);
      }
    }
  }

  const groupsInOrder = [...committed].sort(([a], [b]) => a.localeCompare(b));
  const eventsByOrder = new Map<string, TracedEvent[]>();
  for (const record of found.sort(
    (a, b) => a.timestamp - b.timestamp || a.topic.localeCompare(b.topic) || a.offset - b.offset,
  )) {
    const groups: Record<string, GroupProgress> = {};
    for (const [group, byTopic] of groupsInOrder) {
      const partitions = byTopic.get(record.topic);
      if (partitions === undefined) continue;
      const position = partitions.get(record.partition) ?? -1;
      groups[group] = deadLettered.has(`${group}|${record.topic}:${record.partition}:${record.offset}`)
        ? 'dead-lettered'
        : position > record.offset
          ? 'processed'
          : 'pending';
    }
    const event = parseEvent(record.value);
    const events = eventsByOrder.get(record.key) ?? [];
    events.push({
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      time: new Date(record.timestamp).toISOString(),
      type: event?.type ?? null,
      eventId: event?.id ?? null,
      groups,
    });
    eventsByOrder.set(record.key, events);
  }
  return orderIds.map((orderId) => ({ orderId, events: eventsByOrder.get(orderId) ?? [], truncated }));
}

function parseEvent(value: string | null): { type?: string; id?: string } | undefined {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value) as { type?: unknown; id?: unknown };
    return {
      type: typeof parsed.type === 'string' ? parsed.type : undefined,
      id: typeof parsed.id === 'string' ? parsed.id : undefined,
    };
  } catch {
    return undefined;
  }
}

interface ScannedRecord {
  readonly partition: number;
  readonly key: string | null;
  readonly offset: number;
  readonly timestamp: number;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

async function scan(
  kafka: TraceKafka,
  topic: string,
  since: number | undefined,
  limit: number,
  matches: (record: { key: string | null }) => boolean,
): Promise<{ records: ScannedRecord[]; truncated: boolean }> {
  const offsets = await readPartitionOffsets(kafka.admin, [topic]);
  const starts = since === undefined ? new Map<number, number>() : await offsetsForTime(kafka.admin, topic, since);
  const records: ScannedRecord[] = [];
  let truncated = false;
  for (const { partition, earliest, latest } of offsets) {
    const start = Math.max(earliest, starts.get(partition) ?? earliest);
    const end = Math.min(latest, start + limit);
    truncated ||= end < latest;
    for (const record of await readRecordRange(kafka.consumer, topic, partition, start, end)) {
      if (matches(record)) records.push(record);
    }
  }
  return { records, truncated };
}

/** The first offset of each partition whose record is at or after `timestamp`; the log's end when there is none. */
async function offsetsForTime(admin: Admin, topic: string, timestamp: number): Promise<Map<number, number>> {
  const metadata = await admin.metadata({ topics: [topic] });
  const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
  const [listed] = await admin.listOffsets({
    topics: [
      {
        name: topic,
        partitions: Array.from({ length: count }, (_, partitionIndex) => ({
          partitionIndex,
          timestamp: BigInt(timestamp),
        })),
      },
    ],
  });
  const starts = new Map<number, number>();
  for (const partition of listed?.partitions ?? []) {
    // -1: no record at or after the timestamp (Kafka protocol); the scan then starts and ends at the log's end.
    starts.set(partition.partitionIndex, partition.offset < 0n ? Number.MAX_SAFE_INTEGER : Number(partition.offset));
  }
  return starts;
}

/** Group → topic → partition → committed offset, for every group that has committed offsets for one of `topics`. */
async function committedOffsets(
  admin: Admin,
  topics: readonly string[],
): Promise<Map<string, Map<string, Map<number, number>>>> {
  const groups = [...(await admin.listGroups()).keys()].sort();
  const result = new Map<string, Map<string, Map<number, number>>>();
  if (groups.length === 0) return result;
  for (const listed of await admin.listConsumerGroupOffsets({ groups })) {
    for (const topic of listed.topics) {
      if (!topics.includes(topic.name)) continue;
      const byTopic = result.get(listed.groupId) ?? new Map<string, Map<number, number>>();
      const partitions = new Map<number, number>();
      for (const partition of topic.partitions) {
        if (partition.committedOffset >= 0n)
          partitions.set(partition.partitionIndex, Number(partition.committedOffset));
      }
      byTopic.set(topic.name, partitions);
      result.set(listed.groupId, byTopic);
    }
  }
  return result;
}
