// Where each recent order's order-created record sits in order-topic (partition, offset), learned by reading the
// records the topic gained since the last poll. With the groups' committed offsets this answers, per order, which
// groups have processed it: a group has once its committed offset on that partition is past the record, the rule
// `orderflow trace` uses for its fan-out.
import { EventTypes, Subscriptions, Topics } from '@orderflow/contracts';
import type { ConsumerGroupView, OrderRow } from './console-state.ts';
import type { KafkaSource, TopicPartitionOffsets } from './kafka-source.ts';
import type { ListedOrder } from './service-reading.ts';

/** Per partition, at most this many records back are read after a start or a long gap. */
const READ_BACK = 200;
/** Positions remembered; the page lists 50 orders, the rest is room for orders placed in bursts. */
const REMEMBERED = 5000;

const READERS_OF_ORDERS = (Object.entries(Subscriptions) as [string, readonly string[]][])
  .filter(([, topics]) => topics.includes(Topics.orders))
  .map(([group]) => group)
  .sort();

export interface RecordPosition {
  readonly partition: number;
  readonly offset: number;
}

export class OrderPositions {
  readonly #positions = new Map<string, RecordPosition>();
  readonly #readUpTo = new Map<number, number>();

  /** Reads what order-topic gained since the last call. */
  async update(kafka: KafkaSource, offsets: readonly TopicPartitionOffsets[]): Promise<void> {
    for (const { topic, partition, earliest, latest } of offsets) {
      if (topic !== Topics.orders) continue;
      const from = Math.max(this.#readUpTo.get(partition) ?? 0, latest - READ_BACK, earliest);
      if (from >= latest) continue;
      for (const record of await kafka.records(topic, partition, from, latest)) {
        const orderId = orderIdOfCreated(record.value);
        if (orderId !== undefined) this.#remember(orderId, { partition, offset: record.offset });
      }
      this.#readUpTo.set(partition, latest);
    }
  }

  position(orderId: string): RecordPosition | undefined {
    return this.#positions.get(orderId);
  }

  rows(orders: readonly ListedOrder[], groups: readonly ConsumerGroupView[]): OrderRow[] {
    const committed = new Map<string, number | null>();
    for (const group of groups) {
      for (const p of group.partitions) {
        if (p.topic === Topics.orders) committed.set(`${group.group}:${p.partition}`, p.committed);
      }
    }
    return orders.map((order) => {
      const position = this.#positions.get(order.orderId);
      const processedBy =
        position === undefined
          ? []
          : READERS_OF_ORDERS.map((group) => {
              const offset = committed.get(`${group}:${position.partition}`) ?? null;
              return { group, processed: offset !== null && offset > position.offset };
            });
      return { ...order, processedBy };
    });
  }

  #remember(orderId: string, position: RecordPosition): void {
    // A replayed order-created (redrive, duplicate publish) keeps the first position: the one the groups saw first.
    if (this.#positions.has(orderId)) return;
    this.#positions.set(orderId, position);
    if (this.#positions.size > REMEMBERED) {
      this.#positions.delete(this.#positions.keys().next().value as string);
    }
  }
}

function orderIdOfCreated(value: string | null): string | undefined {
  if (value === null) return undefined;
  try {
    const event = JSON.parse(value) as { type?: unknown; data?: { orderId?: unknown } };
    return event.type === EventTypes.orderCreated && typeof event.data?.orderId === 'string'
      ? event.data.orderId
      : undefined;
  } catch {
    return undefined;
  }
}
