import type { ConsumerMetrics, PartitionLag } from '@orderflow/platform';

/**
 * The latest lag of each partition assigned to this instance, as the consumer runner last measured it into its
 * gauge (it refreshes the gauge periodically and drops partitions it no longer owns). Ordered by topic, partition.
 */
export async function latestConsumerLag(gauge: ConsumerMetrics['consumerLag'], group: string): Promise<PartitionLag[]> {
  const { values } = await gauge.get();
  return values
    .filter((value) => value.labels.group === group)
    .map((value) => ({
      topic: String(value.labels.topic),
      partition: Number(value.labels.partition),
      lag: value.value,
    }))
    .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}
