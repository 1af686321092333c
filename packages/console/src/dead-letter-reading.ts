// Per dead-letter topic (`<source>.<group>.dlq`, docs/dead-letter-topics.md) the number of records in it and the
// latest few with their reasons, read from the dlq-* headers. The records are read again only when the topic's
// offsets moved, so an idle console reads nothing.
import { DEAD_LETTER_SUFFIX, DeadLetterHeaders } from '@orderflow/platform';
import type { DeadLetterEntry, DeadLetterTopicView } from './console-state.ts';
import type { KafkaSource, TopicPartitionOffsets } from './kafka-source.ts';

const LATEST_SHOWN = 5;

export class DeadLetterReading {
  readonly #cache = new Map<string, { signature: string; view: DeadLetterTopicView }>();

  async read(kafka: KafkaSource, offsets: readonly TopicPartitionOffsets[]): Promise<DeadLetterTopicView[]> {
    const byTopic = new Map<string, TopicPartitionOffsets[]>();
    for (const partition of offsets) {
      if (!partition.topic.endsWith(DEAD_LETTER_SUFFIX)) continue;
      byTopic.set(partition.topic, [...(byTopic.get(partition.topic) ?? []), partition]);
    }
    const views: DeadLetterTopicView[] = [];
    for (const [topic, partitions] of [...byTopic].sort(([a], [b]) => a.localeCompare(b))) {
      const signature = partitions.map((p) => `${p.partition}:${p.earliest}-${p.latest}`).join(',');
      const cached = this.#cache.get(topic);
      if (cached?.signature === signature) {
        views.push(cached.view);
        continue;
      }
      const view = await readTopic(kafka, topic, partitions);
      this.#cache.set(topic, { signature, view });
      views.push(view);
    }
    for (const topic of this.#cache.keys()) if (!byTopic.has(topic)) this.#cache.delete(topic);
    return views;
  }
}

export function deadLetterTopicParts(topic: string): { sourceTopic: string; group: string } {
  const base = topic.slice(0, -DEAD_LETTER_SUFFIX.length);
  const dot = base.lastIndexOf('.');
  return dot < 0 ? { sourceTopic: base, group: '' } : { sourceTopic: base.slice(0, dot), group: base.slice(dot + 1) };
}

async function readTopic(
  kafka: KafkaSource,
  topic: string,
  partitions: readonly TopicPartitionOffsets[],
): Promise<DeadLetterTopicView> {
  const entries: DeadLetterEntry[] = [];
  for (const { partition, earliest, latest } of partitions) {
    const from = Math.max(earliest, latest - LATEST_SHOWN);
    if (from >= latest) continue;
    for (const record of await kafka.records(topic, partition, from, latest)) {
      entries.push({
        partition,
        offset: record.offset,
        key: record.key,
        errorCode: record.headers[DeadLetterHeaders.errorCode] ?? '',
        reason: record.headers[DeadLetterHeaders.errorReason] ?? '',
        failedAt: record.headers[DeadLetterHeaders.failedAt] ?? null,
      });
    }
  }
  entries.sort((a, b) => (b.failedAt ?? '').localeCompare(a.failedAt ?? '') || b.offset - a.offset);
  return {
    topic,
    ...deadLetterTopicParts(topic),
    count: partitions.reduce((sum, p) => sum + (p.latest - p.earliest), 0),
    latest: entries.slice(0, LATEST_SHOWN),
  };
}
