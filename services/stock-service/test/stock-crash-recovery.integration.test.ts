import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBroker } from '@orderflow/broker';
import {
  type AnyCloudEvent,
  ConsumerGroups,
  createEvent,
  decodeEvent,
  EventTypes,
  eventRecord,
  Topics,
} from '@orderflow/contracts';
import {
  createEventProducer,
  createKafkaConnection,
  createLogger,
  type EventProducer,
  type KafkaConnection,
  startConsumer,
} from '@orderflow/platform';
import { readTopics, type TopicReader } from '@orderflow/platform/testing';
import { createReservationBatchHandler, createReservationHandler } from '../src/reservation-handler.ts';
import type { StockStore } from '../src/stock-store.ts';
import { backends, type TestStore } from './store-backends.ts';

// An instance dies after recording its decision and before the broker acknowledged the result: the record is left
// uncommitted, the next member of the group gets it again and must publish the recorded decision, not decide again.

const log = createLogger({ name: 'stock-crash', level: 'silent' });

for (const backend of backends) {
  describe(`a crash between the reservation and its publish, with ${backend.name}`, { timeout: 60_000 }, () => {
    let dataDir: string;
    let broker: Awaited<ReturnType<typeof startBroker>>;
    let connection: KafkaConnection;
    let data: TestStore;
    let store: StockStore;
    let watcher: TopicReader<AnyCloudEvent>;
    const producers: EventProducer[] = [];

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'stock-crash-'));
      broker = await startBroker({ port: 0, dataDir, log });
      connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'stock-service' });
      data = backend.fresh();
      ({ store } = await data.open());
      await store.seed(new Map([['A001', 10]]));
      watcher = await readTopics(connection, [Topics.stock], decodeEvent);
    });

    after(async () => {
      await watcher?.stop();
      for (const producer of producers) await producer.close();
      await data?.cleanup();
      await broker?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    for (const mode of ['one by one', 'in batches'] as const) {
      const handlers = (producer: EventProducer) => ({
        handler: createReservationHandler({ store, producer }),
        ...(mode === 'in batches' ? { handleBatch: createReservationBatchHandler({ store, producer }) } : {}),
      });

      test(`handled ${mode}, it is repaired on redelivery: one decrement, the recorded result published`, async () => {
        const orderId = `crash-${mode === 'in batches' ? 'batch' : 'single'}`;
        const before = (await store.get('A001'))!;
        const { promise: publishing, resolve: reachedPublish } = Promise.withResolvers<void>();
        // The dying instance: its publishes never get an acknowledgement.
        const dying: EventProducer = {
          publish: () => {
            reachedPublish();
            return new Promise(() => {});
          },
          close: async () => {},
        };
        const first = await startConsumer({
          connection,
          groupId: ConsumerGroups.stock,
          topics: [Topics.orders],
          ...handlers(dying),
          log,
          shutdownTimeoutMs: 3000,
        });
        const orders = createEventProducer({ connection: { ...connection, clientId: 'order-service' }, log });
        producers.push(orders);
        const event = createEvent(
          EventTypes.orderCreated,
          { orderId, productId: 'A001', quantity: 4, createdAt: new Date().toISOString() },
          { source: '/orderflow/order-service' },
        );
        await orders.publish(Topics.orders, eventRecord(event));
        await publishing;
        assert.equal(await store.get('A001'), before - 4, 'the decision was recorded before the crash');
        await first.stop();

        const producer = createEventProducer({ connection, log });
        producers.push(producer);
        const second = await startConsumer({
          connection,
          groupId: ConsumerGroups.stock,
          topics: [Topics.orders],
          ...handlers(producer),
          log,
        });
        try {
          const [result] = await watcher.waitFor(
            (seen) => seen.event?.type === EventTypes.stockReserved && seen.event.data.orderId === orderId,
          );
          assert.deepEqual(result!.event!.data, { orderId, productId: 'A001', quantity: 4, remaining: before - 4 });
          assert.equal(await store.get('A001'), before - 4);
        } finally {
          await second.stop();
        }
      });
    }
  });
}
