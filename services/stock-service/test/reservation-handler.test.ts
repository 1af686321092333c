import assert from 'node:assert/strict';
import { after, beforeEach, describe, test } from 'node:test';
import {
  type AnyCloudEvent,
  createEvent,
  EventPoisonCodes,
  EventTypes,
  encodeEvent,
  eventRecord,
  Topics,
} from '@orderflow/contracts';
import {
  type ConsumedRecord,
  PlatformErrors,
  PoisonEventError,
  startTraceparent,
  traceIdOf,
} from '@orderflow/platform';
import {
  batchContext,
  consumedRecord,
  createFakeProducer,
  type FakeProducer,
  handlerContext,
} from '@orderflow/platform/testing';
import { createReservationBatchHandler, createReservationHandler } from '../src/reservation-handler.ts';
import type { StockStore } from '../src/stock-store.ts';
import { backends, sqliteBackend, type TestStore } from './store-backends.ts';

const context = handlerContext();
const batch = batchContext();
const NOW = Date.parse('2026-03-01T12:00:00.000Z');

const opened: TestStore[] = [];
let store: StockStore;
let producer: FakeProducer<AnyCloudEvent>;
let handle: ReturnType<typeof createReservationHandler>;

beforeEach(async () => {
  const data = sqliteBackend.fresh();
  opened.push(data);
  ({ store } = await data.open());
  await store.seed(
    new Map([
      ['A001', 10],
      ['A002', 1],
    ]),
  );
  producer = createFakeProducer<AnyCloudEvent>();
  handle = createReservationHandler({ store, producer, now: () => NOW });
});
after(async () => {
  for (const data of opened) await data.cleanup();
});

function orderRecord(orderId: string, productId: string, quantity: number, traceparent = startTraceparent()) {
  const event = createEvent(
    EventTypes.orderCreated,
    { orderId, productId, quantity, createdAt: new Date(NOW).toISOString() },
    { source: '/orderflow/order-service', traceparent },
  );
  return consumedRecord({ ...eventRecord(event), offset: 0n, timestamp: NOW });
}

function consumed(value: Buffer, traceparent = startTraceparent()): ConsumedRecord {
  return consumedRecord({ topic: Topics.orders, offset: 0n, timestamp: NOW, value, traceparent });
}

describe('the order-created handler', () => {
  test('reserves and publishes stock-reserved and stock-changed on stock-topic, continuing the trace', async () => {
    const traceparent = startTraceparent();
    await handle(orderRecord('o-1', 'A001', 3, traceparent), context);
    assert.equal(await store.get('A001'), 7);
    const byType = new Map(producer.published.map((p) => [p.event.type, p]));
    const reserved = byType.get(EventTypes.stockReserved)!;
    assert.deepEqual(reserved.event.data, { orderId: 'o-1', productId: 'A001', quantity: 3, remaining: 7 });
    assert.equal(reserved.topic, Topics.stock);
    assert.equal(reserved.key, 'o-1');
    const changed = byType.get(EventTypes.stockChanged)!;
    assert.deepEqual(changed.event.data, { productId: 'A001', available: 7, reason: 'RESERVED' });
    assert.equal(changed.key, 'A001');
    for (const { event, headers } of producer.published) {
      assert.equal(traceIdOf(event.traceparent), traceIdOf(traceparent));
      assert.equal(traceIdOf(headers.traceparent), traceIdOf(traceparent));
      assert.notEqual(headers.traceparent, traceparent, 'a new span, not the parent replayed');
      assert.equal(headers['content-type'], 'application/cloudevents+json; charset=UTF-8');
    }
  });

  test('insufficient stock publishes stock-rejected with the level available', async () => {
    await handle(orderRecord('o-1', 'A002', 2), context);
    assert.equal(producer.published.length, 1);
    assert.deepEqual(producer.published[0]!.event.data, {
      orderId: 'o-1',
      productId: 'A002',
      quantity: 2,
      reason: 'INSUFFICIENT_STOCK',
      available: 1,
    });
    assert.equal(await store.get('A002'), 1);
  });

  test('an unknown product publishes stock-rejected UNKNOWN_PRODUCT', async () => {
    await handle(orderRecord('o-1', 'B999', 1), context);
    assert.equal(producer.published.length, 1);
    assert.equal(producer.published[0]!.event.type, EventTypes.stockRejected);
    assert.deepEqual(producer.published[0]!.event.data, {
      orderId: 'o-1',
      productId: 'B999',
      quantity: 1,
      reason: 'UNKNOWN_PRODUCT',
    });
  });

  test('a redelivered order decrements once and republishes the same events', async () => {
    const record = orderRecord('o-1', 'A001', 3);
    await handle(record, context);
    const first = producer.published.splice(0);
    await handle(record, context);
    assert.equal(await store.get('A001'), 7);
    assert.deepEqual(
      producer.published.map((p) => ({ ...p.event, traceparent: undefined })),
      first.map((p) => ({ ...p.event, traceparent: undefined })),
    );
  });

  test('a publish failure fails the handler; the retry publishes the recorded decision without decrementing again', async () => {
    const record = orderRecord('o-1', 'A001', 3);
    producer.failNext(2);
    await assert.rejects(handle(record, context), { code: 'KAFKA_PUBLISH_FAILED' });
    assert.equal(await store.get('A001'), 7);
    await handle(record, { ...context, attempt: 2 });
    assert.equal(await store.get('A001'), 7);
    const reserved = producer.published.find((p) => p.event.type === EventTypes.stockReserved);
    assert.deepEqual(reserved?.event.data, { orderId: 'o-1', productId: 'A001', quantity: 3, remaining: 7 });
  });

  test('an undecodable or invalid record is poison for the dead-letter topic: nothing reserved or published', async () => {
    await assert.rejects(
      handle(consumed(Buffer.from('{"not":')), context),
      (error: unknown) => error instanceof PoisonEventError && error.code === EventPoisonCodes.malformedJson,
    );
    const invalid = Buffer.from(
      JSON.stringify({
        ...createEvent(
          EventTypes.orderCreated,
          { orderId: 'o-1', productId: 'A001', quantity: 1, createdAt: new Date(NOW).toISOString() },
          { source: '/test' },
        ),
        data: { orderId: 'o-1', productId: 'A001', quantity: -5, createdAt: new Date(NOW).toISOString() },
      }),
    );
    await assert.rejects(
      handle(consumed(invalid), context),
      (error: unknown) => error instanceof PoisonEventError && error.code === EventPoisonCodes.invalid,
    );
    assert.equal(producer.published.length, 0);
    assert.equal(await store.get('A001'), 10);
  });

  test('another known event type on the topic is skipped', async () => {
    const other = createEvent(
      EventTypes.stockChanged,
      { productId: 'A001', available: 0, reason: 'ADJUSTED' },
      { source: '/test' },
    );
    await handle(consumed(encodeEvent(other)), context);
    assert.equal(producer.published.length, 0);
    assert.equal(await store.get('A001'), 10);
  });

  test('a corrupt reservation record is STORED_RECORD_CORRUPT and not retriable, so the runner dead-letters it at once', async () => {
    const data = sqliteBackend.fresh();
    opened.push(data);
    const { store: corrupted, platform } = await data.open();
    await corrupted.seed(new Map([['A001', 10]]));
    const handleCorrupted = createReservationHandler({ store: corrupted, producer, now: () => NOW });
    await handleCorrupted(orderRecord('o-1', 'A001', 1), context);
    assert.equal(platform.backend.kind, 'sqlite');
    if (platform.backend.kind !== 'sqlite') return;
    platform.backend.db.prepare("UPDATE stock_reservations SET outcome = 'lost' WHERE order_id = 'o-1'").run();
    await assert.rejects(handleCorrupted(orderRecord('o-1', 'A001', 1), context), (error: unknown) => {
      assert.ok(PlatformErrors.is(error, 'STORED_RECORD_CORRUPT'), `expected STORED_RECORD_CORRUPT, got ${error}`);
      assert.equal(error.retriable, false);
      assert.match(error.message, /order o-1: outcome lost/);
      return true;
    });
    assert.equal(await corrupted.get('A001'), 9, 'the redelivery changed no stock');
  });
});

describe('the order-created batch handler', () => {
  const levels = new Map([
    ['A001', 10],
    ['A002', 1],
  ]);
  async function seeded(data: TestStore): Promise<StockStore> {
    opened.push(data);
    const { store: fresh } = await data.open();
    await fresh.seed(levels);
    return fresh;
  }
  /** What was published, without the traceparents, whose parent ids are new on every publish. */
  const withoutSpans = (published: FakeProducer<AnyCloudEvent>['published']) =>
    published.map(({ topic, key, event }) => ({
      topic,
      key,
      event: { ...event, traceparent: traceIdOf(event.traceparent) },
    }));

  function mixedBatch(): ConsumedRecord[] {
    const other = createEvent(
      EventTypes.stockChanged,
      { productId: 'A001', available: 0, reason: 'ADJUSTED' },
      { source: '/test' },
    );
    return [
      orderRecord('o-1', 'A001', 3),
      orderRecord('o-2', 'A002', 2),
      orderRecord('o-1', 'A001', 3),
      consumed(encodeEvent(other)),
      orderRecord('o-3', 'B999', 1),
      orderRecord('o-4', 'A002', 1),
      orderRecord('o-5', 'A002', 1),
      orderRecord('o-6', 'A001', 7),
      orderRecord('o-7', 'A001', 1),
      orderRecord('o-2', 'A002', 2),
    ];
  }

  for (const backend of backends) {
    test(`with duplicates and insufficient stock it publishes what one-by-one handling does (${backend.name})`, async () => {
      const records = mixedBatch();
      const oneByOneStore = await seeded(backend.fresh());
      const oneByOne = createFakeProducer<AnyCloudEvent>();
      const handleOne = createReservationHandler({ store: oneByOneStore, producer: oneByOne, now: () => NOW });
      for (const record of records) await handleOne(record, context);

      const batchStore = await seeded(backend.fresh());
      const batched = createFakeProducer<AnyCloudEvent>();
      const handleBatch = createReservationBatchHandler({ store: batchStore, producer: batched, now: () => NOW });
      await handleBatch(records, batch);

      assert.deepEqual(withoutSpans(batched.published), withoutSpans(oneByOne.published));
      assert.deepEqual(await batchStore.list(), await oneByOneStore.list());
      assert.deepEqual(await batchStore.list(), [
        { productId: 'A001', available: 0 },
        { productId: 'A002', available: 0 },
      ]);
      assert.deepEqual(
        batched.published
          .filter(({ event }) => event.type !== EventTypes.stockChanged)
          .map(
            ({ event }) =>
              `${event.type === EventTypes.stockReserved ? 'reserved' : 'rejected'}:${(event.data as { orderId: string }).orderId}`,
          ),
        [
          'reserved:o-1',
          'rejected:o-2',
          'reserved:o-1',
          'rejected:o-3',
          'reserved:o-4',
          'rejected:o-5',
          'reserved:o-6',
          'rejected:o-7',
          'rejected:o-2',
        ],
      );
      const results = batched.published.filter(({ event }) => event.type !== EventTypes.stockChanged);
      const orders = records.filter((record) => record !== records[3]);
      assert.deepEqual(
        results.map(({ event }) => traceIdOf(event.traceparent)),
        orders.map((record) => record.traceId),
        "each result continues its own record's trace",
      );
    });
  }

  test('an undecodable record fails the batch before anything is reserved or published', async () => {
    const handleBatch = createReservationBatchHandler({ store, producer, now: () => NOW });
    await assert.rejects(
      handleBatch(
        [orderRecord('o-1', 'A001', 3), consumed(Buffer.from('{"not":')), orderRecord('o-2', 'A001', 1)],
        batch,
      ),
      (error: unknown) => error instanceof PoisonEventError && error.code === EventPoisonCodes.malformedJson,
    );
    assert.equal(producer.published.length, 0);
    assert.equal(await store.get('A001'), 10);
  });

  test('a failed publish fails the batch; its records handled again republish the decisions without decrementing', async () => {
    const handleBatch = createReservationBatchHandler({ store, producer, now: () => NOW });
    const records = [orderRecord('o-1', 'A001', 3), orderRecord('o-2', 'A001', 4), orderRecord('o-3', 'A002', 5)];
    producer.failNext(1);
    await assert.rejects(handleBatch(records, batch), { code: 'KAFKA_PUBLISH_FAILED' });
    assert.equal(await store.get('A001'), 3, 'the reservations were recorded before the publish failed');
    producer.published.length = 0;
    for (const record of records) await handle(record, { ...context, attempt: 2 });
    assert.equal(await store.get('A001'), 3);
    assert.equal(await store.get('A002'), 1);
    assert.deepEqual(
      producer.published
        .filter(({ event }) => event.type !== EventTypes.stockChanged)
        .map(({ event }) => [event.type, event.data]),
      [
        [EventTypes.stockReserved, { orderId: 'o-1', productId: 'A001', quantity: 3, remaining: 7 }],
        [EventTypes.stockReserved, { orderId: 'o-2', productId: 'A001', quantity: 4, remaining: 3 }],
        [
          EventTypes.stockRejected,
          { orderId: 'o-3', productId: 'A002', quantity: 5, reason: 'INSUFFICIENT_STOCK', available: 1 },
        ],
      ],
    );
  });
});
