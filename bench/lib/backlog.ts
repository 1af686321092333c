// A topic filled with events before a consumer starts, and a consumer group draining it with a given handler on the
// platform's consumer runner, timed from the first record handled to the last.
import type { AnyCloudEvent } from '@orderflow/contracts';
import { encodeEvent, partitionKey, Topics } from '@orderflow/contracts';
import {
  createEventProducer,
  createLogger,
  type KafkaConnection,
  type RecordHandler,
  startConsumer,
} from '@orderflow/platform';

const FILL_CHUNK = 5000;

export const silentLog = createLogger({ name: 'bench', level: 'silent' });

export interface Drain {
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/** Publishes `count` events, `eventAt(i)` each, to order-topic in chunks, acks=all, batched by the platform producer. */
export async function fillBacklog(
  connection: KafkaConnection,
  count: number,
  eventAt: (index: number) => AnyCloudEvent,
): Promise<void> {
  const producer = createEventProducer({ connection, log: silentLog, maxBatchSize: 1000 });
  for (let start = 0; start < count; start += FILL_CHUNK) {
    const publishes: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(start + FILL_CHUNK, count); i++) {
      const event = eventAt(i);
      publishes.push(producer.publish(Topics.orders, { key: partitionKey(event), value: encodeEvent(event) }));
    }
    await Promise.all(publishes);
  }
  await producer.close();
}

export interface DrainOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Resolves once this many records were handled; records in flight then are handled and counted too. */
  readonly events: number;
  readonly handler: RecordHandler;
  /** The runner's maxBufferedRecords; unset keeps the runner's default, as the services run it. */
  readonly maxBufferedRecords?: number;
}

/**
 * Runs `handler` in `groupId` until `events` records were handled, then stops the runner (which commits), so a later
 * drain in the same group carries on where this one stopped.
 */
export async function drain(connection: KafkaConnection, options: DrainOptions): Promise<Drain> {
  let handled = 0;
  let firstAt = 0;
  let lastAt = 0;
  const { promise: finished, resolve: done } = Promise.withResolvers<void>();
  const runner = await startConsumer({
    connection,
    groupId: options.groupId,
    topics: options.topics,
    log: silentLog,
    ...(options.maxBufferedRecords === undefined ? {} : { maxBufferedRecords: options.maxBufferedRecords }),
    handler: async (record, context) => {
      await options.handler(record, context);
      const now = performance.now();
      if (handled === 0) firstAt = now;
      lastAt = now;
      handled += 1;
      if (handled === options.events) done();
    },
  });
  await finished;
  await runner.stop();
  const seconds = (lastAt - firstAt) / 1000;
  return { events: handled, seconds, perSecond: (handled - 1) / seconds };
}
