// Per order, which consumer groups have processed its events: the fan-out view of `orderflow trace`, answered by its
// code (KafkaSource.traceOrders, the CLI's order-trace.ts), so the page and the command cannot disagree. The latest
// orders are traced again only when something they depend on moved (the orders, a group's committed offsets, a
// topic's offsets); an idle console traces nothing.
import type { ConsumerGroupView, GroupFanOut, GroupProgress, OrderRow } from './console-state.ts';
import type { KafkaSource, TopicPartitionOffsets, TracedOrder } from './kafka-source.ts';
import type { ListedOrder } from './service-reading.ts';

export class OrderFanOut {
  #key = '';
  #traces = new Map<string, TracedOrder>();

  /** Traces `orders` unless nothing moved since the last call. */
  async update(
    kafka: KafkaSource,
    orders: readonly ListedOrder[],
    groups: readonly ConsumerGroupView[],
    offsets: readonly TopicPartitionOffsets[],
  ): Promise<void> {
    const key = JSON.stringify([
      orders.map((order) => [order.orderId, order.status]),
      groups.map((group) => [group.group, group.partitions.map((p) => [p.topic, p.partition, p.committed])]),
      offsets.map((p) => [p.topic, p.partition, p.latest]),
    ]);
    if (key === this.#key) return;
    const traces = await traceListed(kafka, orders);
    this.#traces = new Map(traces.map((trace) => [trace.orderId, trace]));
    this.#key = key;
  }

  rows(orders: readonly ListedOrder[]): OrderRow[] {
    return orders.map((order) => orderRow(order, this.#traces.get(order.orderId)));
  }
}

/** The traces of `orders`, from a little before the oldest one was created. */
export async function traceListed(kafka: KafkaSource, orders: readonly ListedOrder[]): Promise<TracedOrder[]> {
  if (orders.length === 0) return [];
  const oldest = Math.min(...orders.map((order) => Date.parse(order.createdAt)));
  return kafka.traceOrders(
    orders.map((order) => order.orderId),
    Number.isFinite(oldest) ? new Date(oldest) : undefined,
  );
}

export function orderRow(order: ListedOrder, trace: TracedOrder | undefined): OrderRow {
  return { ...order, fanOut: trace === undefined ? [] : fanOutOf(trace) };
}

// Across the order's events, a group's worst state wins: one dead-lettered event marks it, and it has processed the
// order only once it is past every event of it on the topics it reads.
const RANK: Readonly<Record<GroupProgress, number>> = { processed: 0, pending: 1, 'dead-lettered': 2 };

export function fanOutOf(trace: TracedOrder): GroupFanOut[] {
  const progress = new Map<string, GroupProgress>();
  for (const event of trace.events) {
    for (const [group, state] of Object.entries(event.groups)) {
      const before = progress.get(group);
      if (before === undefined || RANK[state] > RANK[before]) progress.set(group, state);
    }
  }
  return [...progress].sort(([a], [b]) => a.localeCompare(b)).map(([group, state]) => ({ group, progress: state }));
}
