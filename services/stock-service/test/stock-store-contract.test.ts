import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Redis } from 'ioredis';
import type { ReservationRecord, StockStore } from '../src/stock-store.ts';
import { startRedisCluster } from '@orderflow/platform/testing';
import { backends, REDIS_URL, redisClusterBackend, RETENTION_MS, type TestStore } from './store-backends.ts';

// One suite for both backends: what the service relies on must hold on Redis in production and on SQLite alike.

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const order = (orderId: string, productId: string, quantity: number) => ({ orderId, productId, quantity });

// On a Redis Cluster too: every script (the batch reservation above all) must keep its keys in one slot.
const cluster = await startRedisCluster();
after(() => cluster.close());

for (const backend of [...backends, redisClusterBackend(cluster.seeds)]) {
  describe(`StockStore on ${backend.name}`, () => {
    const opened: TestStore[] = [];
    after(async () => {
      for (const data of opened) await data.cleanup();
    });
    async function fresh(levels: Record<string, number> = {}): Promise<{ store: StockStore; data: TestStore }> {
      const data = backend.fresh();
      opened.push(data);
      const { store } = await data.open();
      if (Object.keys(levels).length > 0) await store.seed(new Map(Object.entries(levels)));
      return { store, data };
    }

    test('a reservation within stock decrements it and reports what remains', async () => {
      const { store } = await fresh({ A001: 10 });
      const { record, replayed } = await store.reserve(order('o-1', 'A001', 3), NOW);
      assert.deepEqual(record, {
        orderId: 'o-1',
        productId: 'A001',
        quantity: 3,
        decidedAt: NOW,
        outcome: 'reserved',
        remaining: 7,
      } satisfies ReservationRecord);
      assert.equal(replayed, false);
      assert.equal(await store.get('A001'), 7);
    });

    test('reserving exactly what is left empties the product', async () => {
      const { store } = await fresh({ A001: 4 });
      const { record } = await store.reserve(order('o-1', 'A001', 4), NOW);
      assert.equal(record.outcome, 'reserved');
      assert.equal(await store.get('A001'), 0);
    });

    test('a reservation above stock is refused with the level available and changes nothing', async () => {
      const { store } = await fresh({ A001: 10 });
      const { record } = await store.reserve(order('o-1', 'A001', 11), NOW);
      assert.equal(record.outcome, 'insufficient');
      assert.equal(record.outcome === 'insufficient' && record.available, 10);
      assert.equal(await store.get('A001'), 10);
    });

    test('a reservation of an unknown product is refused and creates nothing', async () => {
      const { store } = await fresh({ A001: 10 });
      const { record } = await store.reserve(order('o-1', 'NOPE', 1), NOW);
      assert.equal(record.outcome, 'unknown-product');
      assert.equal(await store.get('NOPE'), undefined);
      assert.deepEqual(await store.list(), [{ productId: 'A001', available: 10 }]);
    });

    test('a redelivered order gets its recorded decision back and never decrements twice', async () => {
      const { store } = await fresh({ A001: 10 });
      const first = await store.reserve(order('o-1', 'A001', 3), NOW);
      const again = await store.reserve(order('o-1', 'A001', 3), NOW + 5000);
      assert.equal(again.replayed, true);
      assert.deepEqual(again.record, first.record);
      assert.equal(await store.get('A001'), 7);
    });

    test('a redelivered refusal stays a refusal even after a restock', async () => {
      const { store } = await fresh({ A001: 2 });
      const first = await store.reserve(order('o-1', 'A001', 5), NOW);
      assert.equal(first.record.outcome, 'insufficient');
      assert.equal((await store.restock('A001', 10, 1)).outcome, 'restocked');
      const again = await store.reserve(order('o-1', 'A001', 5), NOW + 1000);
      assert.deepEqual(again, { record: first.record, replayed: true });
      assert.equal(await store.get('A001'), 12);
    });

    test('a product id containing the record separator survives the round trip', async () => {
      const { store } = await fresh({ 'odd|id|x': 5 });
      const first = await store.reserve(order('o-1', 'odd|id|x', 2), NOW);
      const again = await store.reserve(order('o-1', 'odd|id|x', 2), NOW);
      assert.equal(again.record.productId, 'odd|id|x');
      assert.deepEqual(again.record, first.record);
    });

    test('200 concurrent reservations of 1 unit against 50 in stock, over two connections: exactly 50 succeed', async () => {
      const { store, data } = await fresh({ HOT: 50 });
      const { store: second } = await data.open();
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? store : second).reserve(order(`o-${i}`, 'HOT', 1), NOW)),
      );
      const reserved = results.filter((r) => r.record.outcome === 'reserved');
      const refused = results.filter((r) => r.record.outcome === 'insufficient');
      assert.equal(reserved.length, 50);
      assert.equal(refused.length, 150);
      // Every reservation saw its own level: the remaining values are 49..0, each exactly once.
      const remaining = reserved.map((r) => (r.record.outcome === 'reserved' ? r.record.remaining : -1));
      assert.deepEqual(
        remaining.sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, i) => i),
      );
      for (const r of refused) assert.equal(r.record.outcome === 'insufficient' && r.record.available, 0);
      assert.equal(await store.get('HOT'), 0);
      assert.equal(await second.get('HOT'), 0);
    });

    test('a batch decides as the same reservations made one by one: duplicates replay, stock never below zero', async () => {
      const levels = { A001: 5, A002: 1 };
      const { store: oneByOne } = await fresh(levels);
      const { store: batched } = await fresh(levels);
      // Decided before the batch, as a redelivery across batches would find it.
      await oneByOne.reserve(order('o-0', 'A001', 1), NOW);
      await batched.reserve(order('o-0', 'A001', 1), NOW);
      const requests = [
        order('o-0', 'A001', 1),
        order('o-1', 'A001', 3),
        order('o-2', 'A001', 3),
        order('o-1', 'A001', 3),
        order('o-3', 'A002', 1),
        order('o-4', 'A002', 1),
        order('o-5', 'NOPE', 1),
        order('o-2', 'A001', 3),
        order('o-6', 'A001', 1),
        order('o-7', 'A001', 1),
      ];
      const expected = [];
      for (const request of requests) expected.push(await oneByOne.reserve(request, NOW + 1000));
      const results = await batched.reserveMany(requests, NOW + 1000);
      assert.deepEqual(results, expected);
      assert.deepEqual(
        results.map(({ record, replayed }) => `${record.orderId}:${record.outcome}${replayed ? ':replayed' : ''}`),
        [
          'o-0:reserved:replayed',
          'o-1:reserved',
          'o-2:insufficient',
          'o-1:reserved:replayed',
          'o-3:reserved',
          'o-4:insufficient',
          'o-5:unknown-product',
          'o-2:insufficient:replayed',
          'o-6:reserved',
          'o-7:insufficient',
        ],
      );
      assert.deepEqual(await batched.list(), await oneByOne.list());
      assert.deepEqual(await batched.list(), [
        { productId: 'A001', available: 0 },
        { productId: 'A002', available: 0 },
      ]);
      assert.deepEqual(await batched.reserveMany([], NOW), []);
    });

    test('batches racing over two connections still reserve exactly the stock there is', async () => {
      const { store, data } = await fresh({ HOT: 50 });
      const { store: second } = await data.open();
      const batches = Array.from({ length: 8 }, (_, b) =>
        Array.from({ length: 25 }, (_, i) => order(`o-${b}-${i}`, 'HOT', 1)),
      );
      const results = (
        await Promise.all(batches.map((batch, b) => (b % 2 === 0 ? store : second).reserveMany(batch, NOW)))
      ).flat();
      const remaining = results
        .map(({ record }) => (record.outcome === 'reserved' ? record.remaining : undefined))
        .filter((level) => level !== undefined);
      assert.deepEqual(
        remaining.sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, i) => i),
      );
      assert.equal(results.filter(({ record }) => record.outcome === 'insufficient').length, 150);
      assert.equal(await store.get('HOT'), 0);
    });

    test('seeding happens once: later seeds change nothing, not even for new products', async () => {
      const { store } = await fresh();
      assert.deepEqual(
        await store.seed(
          new Map([
            ['A001', 5],
            ['A002', 7],
          ]),
        ),
        { seeded: true, created: 2 },
      );
      await store.reserve(order('o-1', 'A001', 1), NOW);
      assert.deepEqual(
        await store.seed(
          new Map([
            ['A001', 100],
            ['A003', 1],
          ]),
        ),
        { seeded: false, created: 0 },
      );
      assert.deepEqual(await store.list(), [
        { productId: 'A001', available: 4 },
        { productId: 'A002', available: 7 },
      ]);
    });

    test('seeding never overwrites a product that already exists', async () => {
      const { store } = await fresh();
      await store.set('A001', 3, 1);
      assert.deepEqual(
        await store.seed(
          new Map([
            ['A001', 100],
            ['A002', 50],
          ]),
        ),
        { seeded: true, created: 1 },
      );
      assert.equal(await store.get('A001'), 3);
      assert.equal(await store.get('A002'), 50);
    });

    test('two instances seeding at once seed exactly once between them', async () => {
      const { store, data } = await fresh();
      const { store: second } = await data.open();
      const levels = new Map([['A001', 5]]);
      const results = await Promise.all([store.seed(levels), second.seed(levels)]);
      assert.deepEqual(results.map((r) => r.seeded).sort(), [false, true]);
      assert.equal(await store.get('A001'), 5);
    });

    test('set creates a product, then overwrites its level', async () => {
      const { store } = await fresh({ A001: 1 });
      assert.deepEqual(await store.set('NEW', 12, 1), { outcome: 'set', available: 12, created: true });
      assert.deepEqual(await store.set('NEW', 3, 2), { outcome: 'set', available: 3, created: false });
      assert.deepEqual(await store.list(), [
        { productId: 'A001', available: 1 },
        { productId: 'NEW', available: 3 },
      ]);
    });

    test('restock adds to a known product and refuses an unknown one', async () => {
      const { store } = await fresh({ A001: 1 });
      assert.deepEqual(await store.restock('A001', 9, 1), { outcome: 'restocked', available: 10 });
      assert.deepEqual(await store.restock('NOPE', 9, 1), { outcome: 'unknown-product' });
      assert.equal(await store.get('NOPE'), undefined);
    });

    test('an admin write with an older fencing token than one already accepted is refused', async () => {
      const { store } = await fresh({ A001: 1 });
      assert.equal((await store.set('A001', 20, 7)).outcome, 'set');
      assert.deepEqual(await store.set('A001', 99, 6), { outcome: 'fenced' });
      assert.deepEqual(await store.restock('A001', 5, 6), { outcome: 'fenced' });
      assert.equal(await store.get('A001'), 20);
      assert.deepEqual(await store.restock('A001', 5, 8), { outcome: 'restocked', available: 25 });
    });

    test('the lock guarding admin changes is shared by every connection', async () => {
      const { store, data } = await fresh();
      const { store: second } = await data.open();
      const lease = await store.locks.acquire('stock:A001', 10_000);
      assert.ok(lease);
      assert.equal(await second.locks.acquire('stock:A001', 10_000), null);
      await lease.release();
      const next = await second.locks.acquire('stock:A001', 10_000);
      assert.ok(next && next.fencingToken > lease.fencingToken);
      await next.release();
    });

    test('ping answers while the backend is open', async () => {
      const { store } = await fresh();
      await store.ping();
    });
  });
}

test('on SQLite, two threads with their own connections reserving at once: exactly 50 of 200 succeed', async () => {
  const data = backends.find((b) => b.name === 'sqlite')!.fresh();
  try {
    const { store } = await data.open();
    await store.seed(new Map([['HOT', 50]]));
    const run = (firstOrder: number) =>
      new Promise<string[]>((resolve, reject) => {
        const worker = new Worker(new URL('./sqlite-reserve-worker.ts', import.meta.url), {
          workerData: { dataDir: data.config.ORDERFLOW_DATA_DIR, firstOrder, orders: 100, productId: 'HOT' },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    const outcomes = (await Promise.all([run(0), run(100)])).flat();
    const reserved = outcomes.filter((o) => o.startsWith('reserved:'));
    assert.equal(reserved.length, 50);
    assert.equal(outcomes.filter((o) => o === 'insufficient').length, 150);
    assert.equal(new Set(reserved).size, 50, 'two reservations saw the same level');
    assert.equal(await store.get('HOT'), 0);
  } finally {
    await data.cleanup();
  }
});

describe('reservation records expire after the retention', () => {
  test('on Redis the record key carries the retention as its TTL', async () => {
    const data = backends.find((b) => b.name === 'redis')!.fresh();
    const admin = new Redis(REDIS_URL);
    try {
      const { store } = await data.open();
      await store.seed(new Map([['A001', 5]]));
      await store.reserve(order('o-ttl', 'A001', 1), Date.now());
      const ttl = await admin.pttl(`orderflow:${data.namespace}:{stock}:reservation:o-ttl`);
      assert.ok(ttl > 0 && ttl <= RETENTION_MS, `TTL ${ttl}`);
    } finally {
      admin.disconnect();
      await data.cleanup();
    }
  });

  test('on SQLite a record past the retention no longer answers a redelivery', async () => {
    const data = backends.find((b) => b.name === 'sqlite')!.fresh();
    try {
      const { store } = await data.open();
      await store.seed(new Map([['A001', 5]]));
      await store.reserve(order('o-ttl', 'A001', 1), NOW);
      assert.equal((await store.reserve(order('o-ttl', 'A001', 1), NOW + RETENTION_MS - 1)).replayed, true);
      assert.equal((await store.reserve(order('o-ttl', 'A001', 1), NOW + RETENTION_MS)).replayed, false);
      assert.equal(await store.get('A001'), 3);
    } finally {
      await data.cleanup();
    }
  });
});
