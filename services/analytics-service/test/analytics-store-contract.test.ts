import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Redis } from 'ioredis';
import type { ProductStats } from '../src/analytics-store.ts';
import { bucketExpiresAt, MINUTE_MS, minuteOf, WINDOW_MINUTES } from '../src/minute-window.ts';
import { counted, orderCreated, stockRejected, stockReserved } from './events.ts';
import { startRedisCluster } from '@orderflow/platform/testing';
import {
  backends,
  DEDUPE_RETENTION_MS,
  REDIS_URL,
  redisClusterBackend,
  type TestBackend,
  type TestStore,
} from './store-backends.ts';

// One suite for both backends: what the service relies on must hold on Redis in production and on SQLite alike.
// Times are real (Date.now()): Redis expires minute buckets on its own clock, so a bucket of a made-up date long
// past would be gone at once.

const zeros = { orders: 0, quantity: 0, confirmed: 0, rejected: 0 };

// On a Redis Cluster too: the batch counting script keeps every key in the {analytics} slot.
const cluster = await startRedisCluster();
after(() => cluster.close());

for (const backend of [...backends, redisClusterBackend(cluster.seeds)]) {
  describe(`AnalyticsStore on ${backend.name}`, () => {
    const opened: TestStore[] = [];
    after(async () => {
      for (const data of opened) await data.cleanup();
    });
    async function fresh(options?: Parameters<TestBackend['fresh']>[0]) {
      const data = backend.fresh(options);
      opened.push(data);
      const { store } = await data.open();
      return { store, data };
    }

    test('an empty store has zero totals, no products, no ranking and empty minutes', async () => {
      const { store } = await fresh();
      assert.deepEqual(await store.totals(), { ...zeros, rejectedByReason: {}, updatedAt: undefined });
      assert.equal(await store.product('A001'), undefined);
      assert.deepEqual(await store.topProducts('quantity', 10), []);
      const first = minuteOf(Date.now()) - 2;
      assert.deepEqual(await store.minuteBuckets(first, 3), [
        { minute: first, ...zeros },
        { minute: first + 1, ...zeros },
        { minute: first + 2, ...zeros },
      ]);
    });

    test('each event kind moves its own counters in the totals, its product and its minute', async () => {
      const { store } = await fresh();
      const now = Date.now();
      const time = now - 5 * MINUTE_MS;
      assert.equal(await store.count(counted(orderCreated({ productId: 'A001', quantity: 3, time })), now), true);
      assert.equal(await store.count(counted(orderCreated({ productId: 'A001', quantity: 2, time })), now), true);
      assert.equal(await store.count(counted(stockReserved({ productId: 'A001', quantity: 3, time })), now), true);
      const rejectedAt = now + 1;
      const reject = (reason: 'INSUFFICIENT_STOCK' | 'UNKNOWN_PRODUCT', productId: string) =>
        store.count(counted(stockRejected({ productId, reason, time })), rejectedAt);
      assert.equal(await reject('INSUFFICIENT_STOCK', 'A001'), true);
      assert.equal(await reject('UNKNOWN_PRODUCT', 'NOPE'), true);
      assert.equal(await reject('UNKNOWN_PRODUCT', 'NOPE'), true);

      assert.deepEqual(await store.totals(), {
        orders: 2,
        quantity: 5,
        confirmed: 1,
        rejected: 3,
        rejectedByReason: { INSUFFICIENT_STOCK: 1, UNKNOWN_PRODUCT: 2 },
        updatedAt: rejectedAt,
      });
      assert.deepEqual(await store.product('A001'), {
        productId: 'A001',
        orders: 2,
        quantity: 5,
        confirmed: 1,
        rejected: 1,
      } satisfies ProductStats);
      assert.deepEqual(await store.product('NOPE'), { productId: 'NOPE', ...zeros, rejected: 2 });
      const minute = minuteOf(time);
      assert.deepEqual(await store.minuteBuckets(minute - 1, 3), [
        { minute: minute - 1, ...zeros },
        { minute, orders: 2, quantity: 5, confirmed: 1, rejected: 3 },
        { minute: minute + 1, ...zeros },
      ]);
    });

    test('the same event counted twice counts once and leaves updatedAt at its first counting', async () => {
      const { store } = await fresh();
      const now = Date.now();
      const event = counted(orderCreated({ productId: 'A001', quantity: 4, time: now }));
      assert.equal(await store.count(event, now), true);
      assert.equal(await store.count(event, now + 1000), false);
      // Dedupe is by CloudEvent id alone: a re-published copy with other content is still the same event.
      assert.equal(
        await store.count({ ...event, increments: { ...event.increments, quantity: 99 } }, now + 2000),
        false,
      );
      assert.deepEqual(await store.totals(), {
        ...zeros,
        orders: 1,
        quantity: 4,
        rejectedByReason: {},
        updatedAt: now,
      });
      assert.deepEqual(await store.product('A001'), { productId: 'A001', ...zeros, orders: 1, quantity: 4 });
      assert.deepEqual(await store.minuteBuckets(minuteOf(now), 1), [
        { minute: minuteOf(now), ...zeros, orders: 1, quantity: 4 },
      ]);
      assert.deepEqual(await store.topProducts('quantity', 5), [
        { productId: 'A001', ...zeros, orders: 1, quantity: 4 },
      ]);
    });

    test('a batch counts what the same events counted one by one do, copies within and before it included', async () => {
      const { store: oneByOne } = await fresh();
      const { store: batched } = await fresh();
      const now = Date.now();
      const earlier = counted(orderCreated({ productId: 'A001', quantity: 2, time: now - 3 * MINUTE_MS }));
      const order = counted(orderCreated({ productId: 'A001', quantity: 5, time: now - MINUTE_MS }));
      const events = [
        earlier,
        order,
        counted(stockReserved({ productId: 'A001', quantity: 5, time: now - MINUTE_MS })),
        order,
        counted(orderCreated({ productId: 'B002', quantity: 1, time: now })),
        counted(stockRejected({ productId: 'B002', reason: 'INSUFFICIENT_STOCK', time: now })),
        counted(stockRejected({ productId: 'Z999', reason: 'UNKNOWN_PRODUCT', time: now })),
        counted(stockRejected({ productId: 'B002', reason: 'INSUFFICIENT_STOCK', time: now })),
        // Out of the 24 h window: totals and product only.
        counted(orderCreated({ productId: 'C003', quantity: 7, time: now - 2 * 86_400_000 })),
      ];
      assert.equal(await oneByOne.count(earlier, now - 1000), true);
      assert.equal(await batched.count(earlier, now - 1000), true);
      const expected = [];
      for (const event of events) expected.push(await oneByOne.count(event, now));
      const results = await batched.countMany(events, now);
      assert.deepEqual(results, expected);
      assert.deepEqual(results, [false, true, true, false, true, true, true, true, true]);
      assert.deepEqual(await batched.totals(), await oneByOne.totals());
      assert.deepEqual(await batched.totals(), {
        orders: 4,
        quantity: 15,
        confirmed: 1,
        rejected: 3,
        rejectedByReason: { INSUFFICIENT_STOCK: 2, UNKNOWN_PRODUCT: 1 },
        updatedAt: now,
      });
      for (const productId of ['A001', 'B002', 'Z999', 'C003']) {
        assert.deepEqual(await batched.product(productId), await oneByOne.product(productId), productId);
      }
      for (const by of ['quantity', 'orders'] as const) {
        assert.deepEqual(await batched.topProducts(by, 10), await oneByOne.topProducts(by, 10), by);
      }
      const first = minuteOf(now) - 4;
      assert.deepEqual(await batched.minuteBuckets(first, 5), await oneByOne.minuteBuckets(first, 5));
      assert.deepEqual(await batched.countMany([], now), []);
    });

    test('two instances counting the same 300 events in batches at once count each once', async () => {
      const { data, store } = await fresh();
      const now = Date.now();
      const events = Array.from({ length: 300 }, (_, i) =>
        counted(orderCreated({ productId: `P${i % 7}`, quantity: 1 + (i % 5), time: now })),
      );
      await countInTwoWorkers({ config: data.config, namespace: data.namespace, events, now, batchSize: 40 });
      const totals = await store.totals();
      assert.equal(totals.orders, 300);
      assert.equal(
        totals.quantity,
        events.reduce((sum, event) => sum + event.increments.quantity, 0),
      );
    });

    test('two instances counting the same 300 events at once, over two connections, count each once', async () => {
      const { data, store } = await fresh();
      const now = Date.now();
      const events = Array.from({ length: 300 }, (_, i) =>
        counted(
          i % 3 === 0
            ? orderCreated({ productId: `P${i % 7}`, quantity: 1 + (i % 5), time: now })
            : i % 3 === 1
              ? stockReserved({ productId: `P${i % 7}`, time: now })
              : stockRejected({ productId: `P${i % 7}`, reason: 'INSUFFICIENT_STOCK', time: now }),
        ),
      );
      await countInTwoWorkers({ config: data.config, namespace: data.namespace, events, now });
      const expectedQuantity = events.reduce((sum, event) => sum + event.increments.quantity, 0);
      assert.deepEqual(await store.totals(), {
        orders: 100,
        quantity: expectedQuantity,
        confirmed: 100,
        rejected: 100,
        rejectedByReason: { INSUFFICIENT_STOCK: 100 },
        updatedAt: now,
      });
      assert.deepEqual(await store.minuteBuckets(minuteOf(now), 1), [
        { minute: minuteOf(now), orders: 100, quantity: expectedQuantity, confirmed: 100, rejected: 100 },
      ]);
    });

    test('events fall into the minute of their own time, whatever the time they are counted at', async () => {
      const { store } = await fresh();
      const now = Date.now();
      const current = minuteOf(now);
      const at = (minutesAgo: number, second: number) => (current - minutesAgo) * MINUTE_MS + second * 1000;
      await store.count(counted(orderCreated({ productId: 'A', quantity: 1, time: at(3, 0) })), now);
      await store.count(counted(orderCreated({ productId: 'A', quantity: 2, time: at(3, 59) })), now);
      await store.count(counted(stockReserved({ productId: 'A', time: at(1, 30) })), now);
      await store.count(counted(stockRejected({ productId: 'A', reason: 'UNKNOWN_PRODUCT', time: at(0, 0) })), now);
      assert.deepEqual(await store.minuteBuckets(current - 4, 5), [
        { minute: current - 4, ...zeros },
        { minute: current - 3, ...zeros, orders: 2, quantity: 3 },
        { minute: current - 2, ...zeros },
        { minute: current - 1, ...zeros, confirmed: 1 },
        { minute: current, ...zeros, rejected: 1 },
      ]);
    });

    test('the time series covers 24 h: the 1440th minute back is kept, older events count only in the totals', async () => {
      const { store } = await fresh();
      const now = Date.now();
      const current = minuteOf(now);
      const oldest = current - WINDOW_MINUTES + 1;
      await store.count(counted(orderCreated({ productId: 'A', quantity: 1, time: oldest * MINUTE_MS })), now);
      await store.count(counted(orderCreated({ productId: 'A', quantity: 10, time: (oldest - 1) * MINUTE_MS })), now);
      await store.count(counted(orderCreated({ productId: 'A', quantity: 100, time: now - 3 * 86_400_000 })), now);
      // A producer clock a day ahead is not trusted with a bucket either.
      await store.count(counted(orderCreated({ productId: 'A', quantity: 1000, time: now + 86_400_000 })), now);
      const series = await store.minuteBuckets(oldest, WINDOW_MINUTES);
      assert.equal(series.length, WINDOW_MINUTES);
      assert.deepEqual(series[0], { minute: oldest, ...zeros, orders: 1, quantity: 1 });
      assert.equal(series.at(-1)!.minute, current);
      assert.deepEqual(
        series.filter((bucket) => bucket.orders > 0).map((bucket) => bucket.minute),
        [oldest],
      );
      assert.deepEqual(await store.minuteBuckets(oldest - 1, 1), [{ minute: oldest - 1, ...zeros }]);
      const totals = await store.totals();
      assert.equal(totals.orders, 4);
      assert.equal(totals.quantity, 1111);
    });

    test('clear forgets every counter and every counted id: the same events count again', async () => {
      const { store } = await fresh();
      const now = Date.now();
      const events = [
        counted(orderCreated({ productId: 'A001', quantity: 3, time: now })),
        counted(stockRejected({ productId: 'B002', reason: 'INSUFFICIENT_STOCK', time: now })),
      ];
      assert.deepEqual(await store.countMany(events, now), [true, true]);
      const totals = await store.totals();
      const minute = await store.minuteBuckets(minuteOf(now), 1);
      await store.clear();
      assert.deepEqual(await store.totals(), { ...zeros, rejectedByReason: {}, updatedAt: undefined });
      assert.equal(await store.product('A001'), undefined);
      assert.deepEqual(await store.topProducts('quantity', 10), []);
      assert.deepEqual(await store.minuteBuckets(minuteOf(now), 1), [{ minute: minuteOf(now), ...zeros }]);
      assert.deepEqual(await store.countMany(events, now), [true, true], 'the ids were forgotten');
      assert.deepEqual(await store.totals(), totals);
      assert.deepEqual(await store.minuteBuckets(minuteOf(now), 1), minute);
    });

    test('top products rank by units ordered or by orders, ties by product id, limited, ordered products only', async () => {
      const { store } = await fresh();
      const now = Date.now();
      const order = (productId: string, quantity: number) =>
        store.count(counted(orderCreated({ productId, quantity, time: now })), now);
      await order('BIG', 50); // 1 order, 50 units
      await order('MANY', 2);
      await order('MANY', 2);
      await order('MANY', 2); // 3 orders, 6 units
      await order('TIE-B', 6);
      await order('TIE-A', 3);
      await order('TIE-A', 3); // 2 orders, 6 units
      await order('SMALL', 1);
      await store.count(counted(stockReserved({ productId: 'NO-ORDERS', quantity: 500, time: now })), now);

      const ids = (ranked: ProductStats[]) => ranked.map((product) => product.productId);
      assert.deepEqual(ids(await store.topProducts('quantity', 10)), ['BIG', 'MANY', 'TIE-A', 'TIE-B', 'SMALL']);
      assert.deepEqual(ids(await store.topProducts('orders', 10)), ['MANY', 'TIE-A', 'BIG', 'SMALL', 'TIE-B']);
      assert.deepEqual(await store.topProducts('quantity', 2), [
        { productId: 'BIG', ...zeros, orders: 1, quantity: 50 },
        { productId: 'MANY', ...zeros, orders: 3, quantity: 6 },
      ]);
      // A stock result for the ranked product shows in its counters.
      await store.count(counted(stockReserved({ productId: 'BIG', quantity: 50, time: now })), now);
      assert.deepEqual((await store.topProducts('orders', 3))[2], {
        productId: 'BIG',
        ...zeros,
        orders: 1,
        quantity: 50,
        confirmed: 1,
      });
    });
  });
}

describe('expiry', () => {
  test('on Redis a minute bucket expires when it leaves the window and a counted id after the retention', async () => {
    const backend = backends.find((b) => b.name === 'redis')!;
    const data = backend.fresh();
    const admin = new Redis(REDIS_URL);
    try {
      const { store } = await data.open();
      const now = Date.now();
      const time = now - 90 * MINUTE_MS;
      const event = counted(orderCreated({ id: 'evt-expiry', productId: 'A', quantity: 1, time }));
      await store.count(event, now);
      const prefix = `orderflow:${data.namespace}:{analytics}:`;
      const bucketTtl = await admin.pttl(`${prefix}minute:${minuteOf(time)}`);
      const expected = bucketExpiresAt(minuteOf(time)) - Date.now();
      assert.ok(Math.abs(bucketTtl - expected) < 5000, `bucket TTL ${bucketTtl} ms, expected about ${expected} ms`);
      const seenTtl = await admin.pttl(`${prefix}seen:evt-expiry`);
      assert.ok(seenTtl > DEDUPE_RETENTION_MS - 5000 && seenTtl <= DEDUPE_RETENTION_MS, `seen TTL ${seenTtl} ms`);
    } finally {
      admin.disconnect();
      await data.cleanup();
    }
  });

  test('on SQLite a bucket is purged once out of the window, and a counted id is forgotten after the retention', async () => {
    const retention = 25 * 60 * 60_000;
    const data = backends.find((b) => b.name === 'sqlite')!.fresh({ dedupeRetentionMs: retention });
    try {
      const { store, platform } = await data.open();
      const start = Date.now();
      const event = counted(orderCreated({ id: 'evt-expiry', productId: 'A', quantity: 1, time: start }));
      await store.count(event, start);
      const later = start + WINDOW_MINUTES * MINUTE_MS;
      assert.equal(await store.count(event, later), false, 'remembered within the retention');
      const db = platform.backend.kind === 'sqlite' ? platform.backend.db : assert.fail('not SQLite');
      const rows = db.prepare('SELECT minute FROM analytics_minutes').all();
      assert.deepEqual(rows, [], 'the bucket left the window and was purged');
      assert.equal(await store.count(event, start + retention), true, 'forgotten after the retention');
      assert.equal((await store.totals()).orders, 2);
    } finally {
      await data.cleanup();
    }
  });
});

/**
 * Two count-worker.ts threads, each with its own store connection, count the same `events` at once (released together
 * once both are ready); between them every event is counted exactly once.
 */
async function countInTwoWorkers(workerData: { events: readonly unknown[] } & Record<string, unknown>): Promise<void> {
  const workers = [0, 1].map(() => new Worker(new URL('./count-worker.ts', import.meta.url), { workerData }));
  try {
    const replies = workers.map((worker) => messages(worker));
    await Promise.all(replies.map((reply) => reply.next()));
    for (const worker of workers) worker.postMessage('go');
    const fresh = (await Promise.all(replies.map((reply) => reply.next()))) as number[];
    assert.equal(fresh[0]! + fresh[1]!, workerData.events.length, `counted ${fresh.join(' + ')} times`);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** The worker's messages, one at a time. */
function messages(worker: Worker): { next(): Promise<unknown> } {
  const queue: unknown[] = [];
  const waiting: ((value: unknown) => void)[] = [];
  const failed = Promise.withResolvers<never>();
  failed.promise.catch(() => undefined);
  worker.on('message', (message) => {
    const resolve = waiting.shift();
    if (resolve) resolve(message);
    else queue.push(message);
  });
  worker.once('error', failed.reject);
  return {
    next() {
      if (queue.length > 0) return Promise.resolve(queue.shift());
      return Promise.race([new Promise((resolve) => waiting.push(resolve)), failed.promise]);
    },
  };
}
