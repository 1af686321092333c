// The flow as the page draws it: order-service writes order-topic, which stock-, notification- and
// analytics-service read; stock-service writes stock-topic, which order-, notification- and analytics-service read.
// Each arrow's rate is how fast its counter moved since the previous poll: a topic's high watermarks for a produce
// arrow, a group's committed offsets on the topic for a consume arrow.
import { Subscriptions, Topics } from '@orderflow/contracts';
import type { ConsumerGroupView, ServiceNode, TopicNode, Topology, TopologyArrow } from './console-state.ts';
import type { TopicPartitionOffsets } from './kafka-source.ts';

/** Who writes each event topic (contracts' EventTopics: order-created by order-service, stock events by stock). */
const PRODUCERS: Readonly<Record<string, string>> = {
  [Topics.orders]: 'order-service',
  [Topics.stock]: 'stock-service',
};

export const EVENT_TOPICS: readonly string[] = [Topics.orders, Topics.stock];

/** Counter values at one moment; rates are differences between two of these. */
export interface FlowCounters {
  readonly at: number;
  readonly values: ReadonlyMap<string, number>;
}

export function flowCounters(
  at: number,
  offsets: readonly TopicPartitionOffsets[],
  groups: readonly ConsumerGroupView[],
): FlowCounters {
  const values = new Map<string, number>();
  for (const { topic, latest } of offsets) {
    if (EVENT_TOPICS.includes(topic)) values.set(topic, (values.get(topic) ?? 0) + latest);
  }
  for (const group of groups) {
    for (const { topic, committed } of group.partitions) {
      if (!EVENT_TOPICS.includes(topic) || committed === null) continue;
      const key = `${topic}>${group.group}`;
      values.set(key, (values.get(key) ?? 0) + committed);
    }
  }
  return { at, values };
}

/**
 * @param previous the counters of an earlier poll; rates are 0 without one or when it is older than `maxAgeMs`
 *   (after the poller was idle a rate over minutes would show a long-past burst as current).
 */
export function buildTopology(
  services: readonly ServiceNode[],
  offsets: readonly TopicPartitionOffsets[],
  current: FlowCounters,
  previous: FlowCounters | undefined,
  maxAgeMs: number,
): Topology {
  const seconds = previous === undefined ? 0 : (current.at - previous.at) / 1000;
  const usable = previous !== undefined && seconds > 0 && current.at - previous.at <= maxAgeMs;
  const rate = (key: string) => {
    if (!usable) return 0;
    const moved = (current.values.get(key) ?? 0) - (previous.values.get(key) ?? 0);
    return moved <= 0 ? 0 : Math.round((moved / seconds) * 10) / 10;
  };
  const topics: TopicNode[] = EVENT_TOPICS.map((name) => {
    const partitions = offsets.filter((p) => p.topic === name);
    return { name, partitions: partitions.length, records: partitions.reduce((sum, p) => sum + p.latest, 0) };
  });
  const arrows: TopologyArrow[] = [];
  for (const topic of EVENT_TOPICS) {
    arrows.push({ from: PRODUCERS[topic], to: topic, kind: 'produce', rate: rate(topic) });
    for (const [group, read] of Object.entries(Subscriptions) as [string, readonly string[]][]) {
      if (read.includes(topic))
        arrows.push({ from: topic, to: group, kind: 'consume', rate: rate(`${topic}>${group}`) });
    }
  }
  return { services: [...services], topics, arrows };
}
