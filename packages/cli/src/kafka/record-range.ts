// The records of one partition between two offsets, read with plain Fetch requests: no consumer group is joined,
// nothing is committed, so reading leaves no trace on the cluster (no group in `orderflow groups`). For reading a
// known range (the last records of a topic), where a group consumer would cost a join and a rebalance each time.
import type { Consumer } from '@platformatic/kafka';

export interface RangeRecord {
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: string | null;
  /** Header values as UTF-8; for a repeated name the last wins. */
  readonly headers: Readonly<Record<string, string>>;
  readonly value: string | null;
  /** The bytes as stored, for writing a record back unchanged (a value need not be UTF-8). */
  readonly raw: {
    readonly key: Buffer | null;
    readonly value: Buffer | null;
    readonly headers: readonly (readonly [string, Buffer])[];
  };
}

const MAX_BYTES = 1024 * 1024;

/** Records with from <= offset < to, oldest first; fewer when the log ends earlier (compacted or truncated). */
export async function readRecordRange(
  consumer: Consumer,
  topic: string,
  partition: number,
  from: number,
  to: number,
): Promise<RangeRecord[]> {
  const records: RangeRecord[] = [];
  let next = from;
  while (next < to) {
    const metadata = await consumer.metadata({ topics: [topic] });
    const topicMetadata = metadata.topics.get(topic);
    const leader = topicMetadata?.partitions[partition]?.leader;
    if (topicMetadata === undefined || leader === undefined) {
      throw new Error(`no partition ${partition} of ${topic} in the cluster's metadata`);
    }
    const response = await consumer.fetch({
      node: leader,
      // Only what is already there: the range ends at or below the high watermark.
      maxWaitTime: 0,
      topics: [
        {
          topicId: topicMetadata.id,
          partitions: [
            {
              partition,
              currentLeaderEpoch: -1,
              fetchOffset: BigInt(next),
              lastFetchedEpoch: -1,
              partitionMaxBytes: MAX_BYTES,
            },
          ],
        },
      ],
    });
    const answered = response.responses[0]?.partitions[0];
    if (answered === undefined) break;
    if (answered.errorCode !== 0) throw new Error(`fetching ${topic}-${partition}: Kafka error ${answered.errorCode}`);
    const before = next;
    for (const batch of answered.records ?? []) {
      for (const record of batch.records) {
        const offset = Number(batch.firstOffset) + record.offsetDelta;
        // A fetch answers whole batches, so the first may start before the offset asked for (Kafka protocol).
        if (offset < next || offset >= to) continue;
        records.push({
          partition,
          offset,
          timestamp: Number(batch.firstTimestamp + record.timestampDelta),
          key: record.key === null ? null : record.key.toString('utf8'),
          headers: Object.fromEntries(
            record.headers.map(([name, value]) => [name?.toString('utf8') ?? '', value?.toString('utf8') ?? '']),
          ),
          value: record.value === null ? null : record.value.toString('utf8'),
          raw: {
            key: record.key,
            value: record.value,
            headers: record.headers.map(([name, value]) => [name?.toString('utf8') ?? '', value ?? Buffer.alloc(0)]),
          },
        });
      }
      next = Math.max(next, Number(batch.firstOffset) + batch.lastOffsetDelta + 1);
    }
    // Nothing newer came back: the log holds no more records below `to` (aborted or compacted away).
    if (next === before) break;
  }
  return records;
}
