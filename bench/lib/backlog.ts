// A topic filled with events before a consumer starts, and a consumer group draining it with a given handler on the
// platform's consumer runner, timed from the first record handled to the last.
import type { AnyCloudEvent } from '@orderflow/contracts';
import { createEvent, EventTypes, eventRecord } from '@orderflow/contracts';
import {
  type BatchContext,
  type BatchHandler,
  type ConsumedRecord,
  createEventProducer,
  createLogger,
  type KafkaConnection,
  type Logger,
  type RecordHandler,
  startConsumer,
} from '@orderflow/platform';
import { BENCH_PRODUCTS, productAt } from './products.ts';

const FILL_CHUNK = 5000;

export const silentLog = createLogger({ name: 'bench', level: 'silent' });

export interface BacklogOrder {
  readonly createdAt: string;
  readonly quantity: number;
  /** How many products the orders spread over; BENCH_PRODUCTS unless given. */
  readonly products?: number;
  /** The event's time; when it is built unless given. */
  readonly time?: Date;
}

/** Order `index` of a backlog, `bench-<index>` for productAt(index), as order-service publishes an order-created. */
export function orderCreatedEvent(index: number, order: BacklogOrder): AnyCloudEvent {
  return createEvent(
    EventTypes.orderCreated,
    {
      orderId: `bench-${index}`,
      productId: productAt(index, order.products ?? BENCH_PRODUCTS),
      quantity: order.quantity,
      createdAt: order.createdAt,
    },
    { source: '/orderflow/bench', ...(order.time === undefined ? {} : { time: order.time }) },
  );
}

export interface Drain {
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/**
 * Publishes `count` events, `eventAt(i)` each, to their topic (order-topic for order-created) in chunks, acks=all,
 * batched by the platform producer.
 */
export async function fillBacklog(
  connection: KafkaConnection,
  count: number,
  eventAt: (index: number) => AnyCloudEvent,
): Promise<void> {
  const producer = createEventProducer({ connection, log: silentLog, maxBatchSize: 1000 });
  for (let start = 0; start < count; start += FILL_CHUNK) {
    const publishes: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(start + FILL_CHUNK, count); i++) {
      const record = eventRecord(eventAt(i));
      publishes.push(producer.publish(record.topic, record));
    }
    await Promise.all(publishes);
  }
  await producer.close();
}

/** A service's batch handler with the runner's maxBatchSize it runs under. */
export interface Batches {
  readonly handleBatch: BatchHandler;
  readonly maxBatchSize: number;
}

export interface DrainOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Resolves once this many records were handled; records in flight then are handled and counted too. */
  readonly events: number;
  readonly handler: RecordHandler;
  /** Given, the runner hands the queued records of a partition to it together, `handler` being its fallback. */
  readonly handleBatch?: BatchHandler;
  /** The runner's maxBatchSize, as the service sets it. */
  readonly maxBatchSize?: number;
  /** The runner's maxBufferedRecords; unset keeps the runner's default, as the services run it. */
  readonly maxBufferedRecords?: number;
  /** The runner's logger, which handlers log through; silent unless given. */
  readonly log?: Logger;
}

/**
 * Runs `handler` (and `handleBatch`) in `groupId` until `events` records were handled, then stops the runner (which
 * commits), so a later drain in the same group carries on where this one stopped. Timed from the start of the first
 * handler call to the end of the last.
 */
export async function drain(connection: KafkaConnection, options: DrainOptions): Promise<Drain> {
  const { handleBatch } = options;
  let handled = 0;
  let firstAt: number | undefined;
  let lastAt = 0;
  const { promise: finished, resolve: done } = Promise.withResolvers<void>();
  const started = () => {
    firstAt ??= performance.now();
  };
  const finishedSome = (records: number) => {
    lastAt = performance.now();
    handled += records;
    if (handled >= options.events) done();
  };
  const runner = await startConsumer({
    connection,
    groupId: options.groupId,
    topics: options.topics,
    log: options.log ?? silentLog,
    ...(options.maxBufferedRecords === undefined ? {} : { maxBufferedRecords: options.maxBufferedRecords }),
    ...(options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize }),
    handler: async (record, context) => {
      started();
      await options.handler(record, context);
      finishedSome(1);
    },
    ...(handleBatch === undefined
      ? {}
      : {
          handleBatch: async (records: readonly ConsumedRecord[], context: BatchContext) => {
            started();
            await handleBatch(records, context);
            finishedSome(records.length);
          },
        }),
  });
  await finished;
  await runner.stop();
  const seconds = (lastAt - (firstAt ?? lastAt)) / 1000;
  return { events: handled, seconds, perSecond: handled / seconds };
}
