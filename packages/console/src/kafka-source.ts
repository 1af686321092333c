// What the console needs from Kafka, as the CLI's Kafka code answers it (packages/cli/src/kafka/console-kafka.ts).
// The console package holds no Kafka client of its own: the `orderflow console` command builds this from the same
// modules `orderflow groups` and `orderflow topics` use, so there is one copy of that logic and the dependency runs
// one way only (@orderflow/cli imports @orderflow/console, never the reverse).
import type { ConsumerGroupView, GroupProgress } from './console-state.ts';

export interface TopicPartitionOffsets {
  readonly topic: string;
  readonly partition: number;
  /** Log start offset. */
  readonly earliest: number;
  /** High watermark: the offset the next record gets. */
  readonly latest: number;
}

export interface SourceRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  /** Header values as UTF-8; for a repeated name the last wins. */
  readonly headers: Readonly<Record<string, string>>;
  /** The value as UTF-8 text; null for a tombstone. */
  readonly value: string | null;
}

export interface KafkaReading {
  /** Every consumer group with members, committed offsets and lag (what `orderflow groups --json` reports). */
  readonly groups: ConsumerGroupView[];
  /** Earliest and latest offsets of every partition of the existing topics among those asked for, of every topic
   *  whose name ends in `.dlq`, and of the groups' topics. */
  readonly offsets: TopicPartitionOffsets[];
}

/** One order as `orderflow trace` finds it (packages/cli/src/kafka/order-trace.ts), the fields the console uses. */
export interface TracedOrder {
  readonly orderId: string;
  readonly events: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly offset: number;
    readonly type: string | null;
    /** Every group that has committed offsets for the event's topic, with how far it got with this event. */
    readonly groups: Readonly<Record<string, GroupProgress>>;
  }[];
}

export interface KafkaSource {
  /** host:port list, for display. */
  readonly brokers: string;
  /** The groups only: what the idle poller samples the lag history from. */
  groups(): Promise<ConsumerGroupView[]>;
  /** The groups and the topics' offsets, read together so they share one topic list and one metadata request. */
  read(topics: readonly string[]): Promise<KafkaReading>;
  /** The records of one partition with offsets from `from` (inclusive) to `to` (exclusive), oldest first. */
  records(topic: string, partition: number, from: number, to: number): Promise<SourceRecord[]>;
  /** The traces of these orders, one per id in the order given, scanning from a little before `since` (the
   *  creation time of the oldest). */
  traceOrders(orderIds: readonly string[], since: Date | undefined): Promise<TracedOrder[]>;
}
