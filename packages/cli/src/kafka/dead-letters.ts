// Dead-letter topics as `orderflow dlq` and the console see them: what is in them (read with plain Fetch requests, so
// looking leaves no group behind), and redrive, which publishes chosen dead letters back to the partition they came
// from. Only standard Kafka APIs: Metadata, ListOffsets, Fetch, Produce, OffsetFetch and OffsetCommit.
//
// Redrive keeps its position as the committed offsets of a group of its own, `orderflow-dlq-redrive.<topic>`, which
// never has members: Kafka accepts an OffsetCommit with generation -1 and an empty member id for such a group (the
// "simple consumer" commit that kafka-consumer-groups.sh --reset-offsets also relies on). Every dead letter below the
// position was redriven or deliberately passed over, so a plain `redrive` never sends the same dead letter twice.
import { decodeEvent } from '@orderflow/contracts';
import { DEAD_LETTER_SUFFIX, DeadLetterHeaders } from '@orderflow/platform';
import type { Admin, Consumer, Producer } from '@platformatic/kafka';
import { readPartitionOffsets } from './partition-offsets.ts';
import { type RangeRecord, readRecordRange } from './record-range.ts';

/** Header a redriven record carries: how many times it has been redriven, so a loop is visible. */
export const REDRIVE_COUNT_HEADER = DeadLetterHeaders.redriveCount;

const DEAD_LETTER_HEADER_PREFIX = 'dlq-';

export interface DeadLetterKafka {
  readonly admin: Admin;
  /** Used for Fetch only; its group is never joined. */
  readonly consumer: Consumer;
}

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** When the dead letter was written (ISO 8601). */
  readonly time: string;
  readonly key: string | null;
  readonly originalTopic: string | null;
  readonly originalPartition: number | null;
  readonly originalOffset: number | null;
  readonly consumerGroup: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly attempts: number | null;
  readonly failedAt: string | null;
  readonly redriveCount: number;
  /** The CloudEvent (or whatever JSON the value holds), or null when it is not JSON (then `value` holds the text). */
  readonly event: unknown;
  readonly value: string | null;
  readonly record: RangeRecord;
}

export interface DeadLetterTopicSummary {
  readonly topic: string;
  readonly records: number;
  readonly oldest: string | null;
  readonly newest: string | null;
  /** Dead letters per error code, codes sorted. */
  readonly errorCodes: Readonly<Record<string, number>>;
}

export function isDeadLetterTopic(topic: string): boolean {
  return topic.endsWith(DEAD_LETTER_SUFFIX);
}

export function redriveGroup(topic: string): string {
  return `orderflow-dlq-redrive.${topic}`;
}

export async function listDeadLetterTopics(kafka: DeadLetterKafka): Promise<string[]> {
  return (await kafka.admin.listTopics()).filter(isDeadLetterTopic).sort();
}

/** Every dead letter of `topic` still in the log, oldest first per partition, at most `limit` in all (the newest). */
export async function readDeadLetters(
  kafka: DeadLetterKafka,
  topic: string,
  options: { readonly limit?: number } = {},
): Promise<DeadLetter[]> {
  const offsets = await readPartitionOffsets(kafka.admin, [topic]);
  const letters: DeadLetter[] = [];
  for (const { partition, earliest, latest } of offsets) {
    const from = options.limit === undefined ? earliest : Math.max(earliest, latest - options.limit);
    for (const record of await readRecordRange(kafka.consumer, topic, partition, from, latest)) {
      letters.push(deadLetterOf(topic, record));
    }
  }
  letters.sort((a, b) => a.record.timestamp - b.record.timestamp || a.partition - b.partition || a.offset - b.offset);
  return options.limit === undefined ? letters : letters.slice(-options.limit);
}

export async function summarizeDeadLetters(kafka: DeadLetterKafka, topic: string): Promise<DeadLetterTopicSummary> {
  return summarize(topic, await readDeadLetters(kafka, topic));
}

export function summarize(topic: string, letters: readonly DeadLetter[]): DeadLetterTopicSummary {
  const codes = new Map<string, number>();
  for (const letter of letters) {
    const code = letter.errorCode ?? 'UNKNOWN';
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }
  const times = letters.map((letter) => letter.record.timestamp).sort((a, b) => a - b);
  return {
    topic,
    records: letters.length,
    oldest: times.length === 0 ? null : new Date(times[0]!).toISOString(),
    newest: times.length === 0 ? null : new Date(times.at(-1)!).toISOString(),
    errorCodes: Object.fromEntries([...codes].sort(([a], [b]) => a.localeCompare(b))),
  };
}

export function deadLetterOf(topic: string, record: RangeRecord): DeadLetter {
  const header = (name: string): string | null => record.headers[name] ?? null;
  const integer = (name: string): number | null => {
    const raw = header(name);
    const value = raw === null ? Number.NaN : Number(raw);
    return Number.isInteger(value) ? value : null;
  };
  const decoded = decodeEvent(record.raw.value);
  let event: unknown = decoded.ok ? decoded.event : null;
  if (!decoded.ok && record.value !== null) {
    // Not a valid event (that may be why it is here), but JSON still reads better as JSON.
    try {
      event = JSON.parse(record.value);
    } catch {
      event = null;
    }
  }
  return {
    topic,
    partition: record.partition,
    offset: record.offset,
    time: new Date(record.timestamp).toISOString(),
    key: record.key,
    originalTopic: header(DeadLetterHeaders.originalTopic),
    originalPartition: integer(DeadLetterHeaders.originalPartition),
    originalOffset: integer(DeadLetterHeaders.originalOffset),
    consumerGroup: header(DeadLetterHeaders.consumerGroup),
    errorCode: header(DeadLetterHeaders.errorCode),
    errorMessage: header(DeadLetterHeaders.errorReason),
    attempts: integer(DeadLetterHeaders.attempts),
    failedAt: header(DeadLetterHeaders.failedAt),
    redriveCount: integer(REDRIVE_COUNT_HEADER) ?? 0,
    event,
    value: event === null ? record.value : null,
    record,
  };
}

/** A dead letter chosen by `--offset partition:offset`. */
export interface DeadLetterPosition {
  readonly partition: number;
  readonly offset: number;
}

export type RedriveAction =
  /** Will be (or was) published back to its original topic and partition. */
  | 'redrive'
  /** Below the redrive position: redriven or passed over by an earlier redrive. */
  | 'redriven-before'
  /** Not chosen, below a chosen one: the position moves past it, so a later plain redrive will not send it. */
  | 'passed-over'
  /** Lacks the headers that say where it came from, so it cannot go back. */
  | 'no-origin';

export interface RedriveItem {
  readonly letter: DeadLetter;
  readonly action: RedriveAction;
}

export interface RedrivePlan {
  readonly topic: string;
  readonly group: string;
  readonly items: readonly RedriveItem[];
  /** Offsets asked for that hold no dead letter (beyond the log's end, or removed by retention). */
  readonly missing: readonly DeadLetterPosition[];
  /** The redrive position per partition before and after executing the plan. */
  readonly positions: readonly { partition: number; current: number; next: number }[];
}

/**
 * What `redrive` would do: without `chosen`, every dead letter from the redrive position to the log's end; with it,
 * exactly those (at or above the position), and the position moves past the highest chosen one of each partition.
 */
export async function planRedrive(
  kafka: DeadLetterKafka,
  topic: string,
  chosen?: readonly DeadLetterPosition[],
): Promise<RedrivePlan> {
  const group = redriveGroup(topic);
  const offsets = await readPartitionOffsets(kafka.admin, [topic]);
  const committed = await committedPositions(kafka.admin, group, topic);
  const items: RedriveItem[] = [];
  const missing: DeadLetterPosition[] = [];
  const positions: { partition: number; current: number; next: number }[] = [];
  for (const { partition, earliest, latest } of offsets) {
    const current = Math.max(committed.get(partition) ?? earliest, earliest);
    const wanted = chosen?.filter((position) => position.partition === partition).map((position) => position.offset);
    const highest = wanted === undefined ? latest - 1 : Math.max(-1, ...wanted);
    const to = Math.min(latest, highest + 1);
    const from = wanted === undefined ? current : Math.min(current, ...wanted.filter((offset) => offset >= earliest));
    const records = to > from ? await readRecordRange(kafka.consumer, topic, partition, from, to) : [];
    const present = new Set(records.map((record) => record.offset));
    for (const offset of wanted ?? []) if (!present.has(offset)) missing.push({ partition, offset });
    for (const record of records) {
      const letter = deadLetterOf(topic, record);
      const isChosen = wanted === undefined || wanted.includes(record.offset);
      if (record.offset < current) {
        if (isChosen) items.push({ letter, action: 'redriven-before' });
      } else if (letter.originalTopic === null || letter.originalPartition === null) {
        items.push({ letter, action: 'no-origin' });
      } else {
        items.push({ letter, action: isChosen ? 'redrive' : 'passed-over' });
      }
    }
    positions.push({ partition, current, next: Math.max(current, to) });
  }
  return { topic, group, items, missing, positions };
}

/**
 * Publishes the plan's `redrive` items, then commits the new positions: only after every record was acknowledged
 * (acks=all, idempotent producer), so a crash in between redrives again rather than loses one; the consumers dedupe
 * by event id, so a second delivery has no second effect.
 */
export async function executeRedrive(kafka: DeadLetterKafka, producer: Producer, plan: RedrivePlan): Promise<number> {
  const messages = plan.items
    .filter((item) => item.action === 'redrive')
    .map(({ letter }) => {
      // Header names as bytes: the producer has no serializers, so it writes exactly what it is given.
      const headers = new Map<Buffer, Buffer>();
      for (const [name, value] of letter.record.raw.headers) {
        if (!name.startsWith(DEAD_LETTER_HEADER_PREFIX) && name !== REDRIVE_COUNT_HEADER) {
          headers.set(Buffer.from(name), value);
        }
      }
      headers.set(Buffer.from(REDRIVE_COUNT_HEADER), Buffer.from(String(letter.redriveCount + 1)));
      return {
        topic: letter.originalTopic!,
        partition: letter.originalPartition!,
        key: letter.record.raw.key ?? undefined,
        value: letter.record.raw.value ?? undefined,
        headers,
      };
    });
  if (messages.length > 0) await producer.send({ messages });
  const moved = plan.positions.filter((position) => position.next > position.current);
  if (moved.length > 0) {
    await kafka.admin.alterConsumerGroupOffsets({
      groupId: plan.group,
      topics: [
        {
          name: plan.topic,
          partitionOffsets: moved.map(({ partition, next }) => ({ partition, offset: BigInt(next) })),
        },
      ],
    });
  }
  return messages.length;
}

async function committedPositions(admin: Admin, group: string, topic: string): Promise<Map<number, number>> {
  const positions = new Map<number, number>();
  const [offsets] = await admin.listConsumerGroupOffsets({ groups: [group] });
  for (const listed of offsets?.topics ?? []) {
    if (listed.name !== topic) continue;
    for (const partition of listed.partitions) {
      if (partition.committedOffset >= 0n) positions.set(partition.partitionIndex, Number(partition.committedOffset));
    }
  }
  return positions;
}
