// The earliest and latest offset of every partition of some topics: what `topics` shows and what `groups` measures
// lag against. Offsets are numbers, not bigints: they stay far below 2^53 and print as plain JSON numbers.
import type { Admin } from '@platformatic/kafka';

export interface PartitionOffsets {
  readonly topic: string;
  readonly partition: number;
  /** The first offset still in the log (log start). */
  readonly earliest: number;
  /** The offset the next record will get (high watermark). */
  readonly latest: number;
}

// ListOffsets' special timestamps (Kafka protocol): -2 asks for the log start offset, -1 for the high watermark.
const EARLIEST = -2n;
const LATEST = -1n;

/** Partitions ordered by topic name, then partition number. */
export async function readPartitionOffsets(admin: Admin, topics: readonly string[]): Promise<PartitionOffsets[]> {
  if (topics.length === 0) return [];
  const metadata = await admin.metadata({ topics: [...topics] });
  const request = (timestamp: bigint) =>
    [...topics].map((name) => ({
      name,
      partitions: Array.from({ length: metadata.topics.get(name)?.partitionsCount ?? 0 }, (_, partitionIndex) => ({
        partitionIndex,
        timestamp,
      })),
    }));
  const [earliest, latest] = await Promise.all([
    admin.listOffsets({ topics: request(EARLIEST) }),
    admin.listOffsets({ topics: request(LATEST) }),
  ]);
  const earliestOf = new Map<string, number>();
  for (const topic of earliest) {
    for (const partition of topic.partitions) {
      earliestOf.set(`${topic.name}:${partition.partitionIndex}`, Number(partition.offset));
    }
  }
  const result: PartitionOffsets[] = [];
  for (const topic of latest) {
    for (const partition of topic.partitions) {
      const key = `${topic.name}:${partition.partitionIndex}`;
      const latestOffset = Number(partition.offset);
      result.push({
        topic: topic.name,
        partition: partition.partitionIndex,
        earliest: earliestOf.get(key) ?? latestOffset,
        latest: latestOffset,
      });
    }
  }
  return result.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}
