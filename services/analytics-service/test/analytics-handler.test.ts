import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { type AnyCloudEvent, EventPoisonCodes, eventRecord, Topics } from '@orderflow/contracts';
import { type ConsumedRecord, PlatformErrors, PoisonEventError } from '@orderflow/platform';
import { batchContext as newBatchContext, consumedRecord, handlerContext } from '@orderflow/platform/testing';
import { Registry } from 'prom-client';
import { createAnalyticsBatchHandler, createAnalyticsHandler } from '../src/analytics-handler.ts';
import { createAnalyticsMetrics } from '../src/analytics-metrics.ts';
import { orderCreated, stockChanged, stockRejected, stockReserved } from './events.ts';
import { sqliteBackend, type TestStore } from './store-backends.ts';

const context = handlerContext();
const batchContext = newBatchContext();
const opened: TestStore[] = [];
after(async () => {
  for (const data of opened) await data.cleanup();
});

async function harness() {
  const data = sqliteBackend.fresh();
  opened.push(data);
  const { store, platform } = await data.open();
  const registry = new Registry();
  const metrics = createAnalyticsMetrics(registry);
  const now = Date.now();
  const handle = createAnalyticsHandler({ store, metrics, now: () => now });
  const handleBatch = createAnalyticsBatchHandler({ store, metrics, now: () => now });
  const outcomes = async () =>
    Object.fromEntries(
      (await metrics.events.get()).values.map((v) => [`${v.labels.type}/${v.labels.outcome}`, v.value]),
    );
  return { store, platform, handle, handleBatch, outcomes, now };
}

/** The record the consumer runner would hand the handler for `event`, or for raw bytes on order-topic. */
function record(event: AnyCloudEvent | string): ConsumedRecord {
  return consumedRecord(typeof event === 'string' ? { topic: Topics.orders, value: event } : eventRecord(event));
}

describe('analytics handler', () => {
  test('counts order-created, stock-reserved and stock-rejected, and leaves stock-changed out', async () => {
    const { store, handle, outcomes, now } = await harness();
    await handle(record(orderCreated({ productId: 'A001', quantity: 4 })), context);
    await handle(record(stockReserved({ productId: 'A001', quantity: 4 })), context);
    await handle(record(stockRejected({ productId: 'A002', reason: 'INSUFFICIENT_STOCK' })), context);
    await handle(record(stockChanged({ productId: 'A001', available: 6 })), context);
    assert.deepEqual(await store.totals(), {
      orders: 1,
      quantity: 4,
      confirmed: 1,
      rejected: 1,
      rejectedByReason: { INSUFFICIENT_STOCK: 1 },
      updatedAt: now,
    });
    assert.deepEqual(await outcomes(), {
      'com.orderflow.order.created.v1/counted': 1,
      'com.orderflow.stock.reserved.v1/counted': 1,
      'com.orderflow.stock.rejected.v1/counted': 1,
      'com.orderflow.stock.changed.v1/ignored': 1,
    });
  });

  test('a redelivered record is handled without error and counted once', async () => {
    const { store, handle, outcomes } = await harness();
    const created = orderCreated({ productId: 'A001', quantity: 2 });
    await handle(record(created), context);
    await handle(record(created), context);
    assert.equal((await store.totals()).orders, 1);
    assert.deepEqual(await outcomes(), {
      'com.orderflow.order.created.v1/counted': 1,
      'com.orderflow.order.created.v1/duplicate': 1,
    });
  });

  test('undecodable and invalid records are poison with the contract code, and count nothing', async () => {
    const { store, handle } = await harness();
    const cases = [
      ['not json', EventPoisonCodes.malformedJson],
      ['{"hello":"world"}', EventPoisonCodes.invalidEnvelope],
      [
        JSON.stringify({ ...orderCreated({ productId: 'A', quantity: 1 }), type: 'com.example.v9' }),
        EventPoisonCodes.unknownType,
      ],
      [
        JSON.stringify({ ...orderCreated({ productId: 'A', quantity: 1 }), data: { productId: 'A' } }),
        EventPoisonCodes.invalid,
      ],
    ] as const;
    for (const [value, code] of cases) {
      await assert.rejects(handle(record(value), context), (error: unknown) => {
        assert.ok(error instanceof PoisonEventError, `${value} should be poison`);
        assert.equal(error.code, code);
        return true;
      });
    }
    assert.equal((await store.totals()).orders, 0);
  });

  test('a store outage is a retriable failure, not poison, so the runner retries instead of dead-lettering', async () => {
    const { handle, platform } = await harness();
    await platform.close();
    await assert.rejects(
      handle(record(orderCreated({ productId: 'A001', quantity: 1 })), context),
      (error: unknown) => {
        assert.ok(!(error instanceof PoisonEventError));
        assert.ok(PlatformErrors.is(error, 'STORE_UNAVAILABLE'));
        assert.equal(error.retriable, true);
        return true;
      },
    );
  });
});

describe('analytics batch handler', () => {
  test('a batch counts and reports what its records handled one by one do, duplicates and ignored ones included', async () => {
    const order = orderCreated({ productId: 'A001', quantity: 4 });
    const events = [
      order,
      stockReserved({ productId: 'A001', quantity: 4 }),
      stockChanged({ productId: 'A001', available: 6 }),
      order,
      stockRejected({ productId: 'A002', reason: 'INSUFFICIENT_STOCK' }),
      orderCreated({ productId: 'A002', quantity: 1 }),
    ];
    const oneByOne = await harness();
    for (const event of events) await oneByOne.handle(record(event), context);
    const batched = await harness();
    await batched.handleBatch(events.map(record), batchContext);
    assert.deepEqual(
      { ...(await batched.store.totals()), updatedAt: undefined },
      { ...(await oneByOne.store.totals()), updatedAt: undefined },
    );
    assert.deepEqual(await batched.store.totals(), {
      orders: 2,
      quantity: 5,
      confirmed: 1,
      rejected: 1,
      rejectedByReason: { INSUFFICIENT_STOCK: 1 },
      updatedAt: batched.now,
    });
    assert.deepEqual(await batched.outcomes(), await oneByOne.outcomes());
    assert.deepEqual(await batched.outcomes(), {
      'com.orderflow.order.created.v1/counted': 2,
      'com.orderflow.order.created.v1/duplicate': 1,
      'com.orderflow.stock.reserved.v1/counted': 1,
      'com.orderflow.stock.rejected.v1/counted': 1,
      'com.orderflow.stock.changed.v1/ignored': 1,
    });
  });

  test('an undecodable record fails the batch as poison before anything is counted or reported', async () => {
    const { store, handleBatch, outcomes } = await harness();
    const batch = [
      record(orderCreated({ productId: 'A001', quantity: 1 })),
      record('not json'),
      record(orderCreated({ productId: 'A001', quantity: 2 })),
    ];
    await assert.rejects(
      handleBatch(batch, batchContext),
      (error: unknown) => error instanceof PoisonEventError && error.code === EventPoisonCodes.malformedJson,
    );
    assert.equal((await store.totals()).orders, 0);
    assert.deepEqual(await outcomes(), {});
  });
});
