import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger, openStore, type Store } from '../src/index.ts';
import { deleteRedisKeys, redisKeys, TEST_REDIS_URL } from '../src/testing/index.ts';

// One suite, run against both backends: whatever a service relies on must hold for Redis in production and for
// SQLite on a laptop alike.

const log = createLogger({ name: 'stores-contract', level: 'silent' });
const MINUTE = 60_000;

interface Backend {
  /** Opens another store on the same data over a new connection, as another process would. */
  open(): Promise<Store>;
  /** Lets `ms` pass for everything the stores expire. */
  advance(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'orderflow-stores-'));
  let clock = Date.now();
  const stores: Store[] = [];
  return {
    async open() {
      const store = await openStore(
        { REDIS_URL: undefined, ORDERFLOW_DATA_DIR: dir },
        { log, namespace: 'contract', now: () => clock },
      );
      stores.push(store);
      return store;
    },
    async advance(ms) {
      clock += ms;
    },
    async cleanup() {
      for (const store of stores) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Redis expires keys on its own clock. Moving time forward means shortening every TTL under our prefix by `ms`
// and deleting the keys whose TTL runs out: keys stored without a TTL stay, so a missing PX fails the tests.
function redisBackend(): Backend {
  const namespace = `contract-${randomUUID()}`;
  const pattern = `orderflow:${namespace}:*`;
  const admin = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  const stores: Store[] = [];
  return {
    async open() {
      const store = await openStore({ REDIS_URL: TEST_REDIS_URL, ORDERFLOW_DATA_DIR: '.unused' }, { log, namespace });
      stores.push(store);
      return store;
    },
    async advance(ms) {
      if (admin.status === 'wait') await admin.connect();
      for (const key of await redisKeys(pattern)) {
        const ttl = await admin.pttl(key);
        if (ttl < 0) continue;
        if (ttl <= ms) await admin.del(key);
        else await admin.pexpire(key, ttl - ms);
      }
    },
    async cleanup() {
      await deleteRedisKeys(pattern);
      if (admin.status !== 'wait') await admin.quit();
      else admin.disconnect();
      for (const store of stores) await store.close();
    },
  };
}

function storeContract(name: string, makeBackend: () => Backend) {
  describe(`stores contract: ${name}`, () => {
    let backend: Backend;
    let store: Store;
    let other: Store;

    before(async () => {
      backend = makeBackend();
      store = await backend.open();
      other = await backend.open();
    });
    after(async () => {
      await backend.cleanup();
    });

    test('ping answers', async () => {
      await store.ping();
      assert.equal(store.backend.kind, name);
    });

    describe('DistributedLock', () => {
      test('one holder at a time; release lets the next one in with a higher fencing token', async () => {
        const name = randomUUID();
        const first = await store.locks.acquire(name, MINUTE);
        assert.ok(first);
        assert.equal(first.name, name);
        assert.match(first.token, /^[0-9a-f]{32}$/);
        assert.equal(await other.locks.acquire(name, MINUTE), null);
        assert.equal(await first.release(), true);
        const second = await other.locks.acquire(name, MINUTE);
        assert.ok(second);
        assert.notEqual(second.token, first.token);
        assert.ok(second.fencingToken > first.fencingToken);
        assert.equal(await first.release(), false, 'a released lease cannot release again');
        assert.equal(await second.release(), true);
      });

      test('locks with different names are independent', async () => {
        const a = await store.locks.acquire(randomUUID(), MINUTE);
        const b = await store.locks.acquire(randomUUID(), MINUTE);
        assert.ok(a && b);
        await a.release();
        await b.release();
      });

      test('an expired lease frees the lock; the lost holder can neither extend nor release it', async () => {
        const name = randomUUID();
        const stale = await store.locks.acquire(name, 5_000);
        assert.ok(stale);
        await backend.advance(6_000);
        const current = await other.locks.acquire(name, MINUTE);
        assert.ok(current, 'the lock is free after the lease expired');
        assert.ok(current.fencingToken > stale.fencingToken);
        assert.equal(await stale.extend(MINUTE), false);
        assert.equal(await stale.release(), false);
        assert.equal(await store.locks.acquire(name, MINUTE), null, 'the new holder still holds it');
        assert.equal(await current.release(), true);
      });

      test('an expired lease that nobody took cannot be extended either', async () => {
        const lease = await store.locks.acquire(randomUUID(), 1_000);
        assert.ok(lease);
        await backend.advance(2_000);
        assert.equal(await lease.extend(MINUTE), false);
      });

      test('extend keeps the lease past its original TTL', async () => {
        const name = randomUUID();
        const lease = await store.locks.acquire(name, 10_000);
        assert.ok(lease);
        await backend.advance(8_000);
        assert.equal(await lease.extend(10_000), true);
        await backend.advance(8_000);
        assert.equal(await other.locks.acquire(name, MINUTE), null, 'still held 16s after a 10s acquire');
        await backend.advance(3_000);
        assert.ok(await other.locks.acquire(name, MINUTE), 'free once the extended lease ran out');
      });

      test('fencing tokens increase with every acquisition', async () => {
        const name = randomUUID();
        const tokens: number[] = [];
        for (let i = 0; i < 5; i++) {
          const lease = await (i % 2 === 0 ? store : other).locks.acquire(name, MINUTE);
          assert.ok(lease);
          tokens.push(lease.fencingToken);
          await lease.release();
        }
        for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i]! > tokens[i - 1]!, `${tokens}`);
      });

      test('concurrent acquisitions of one lock: exactly one wins', async () => {
        const name = randomUUID();
        const contenders = [store, other, store, other, store, other];
        const leases = await Promise.all(contenders.map((s) => s.locks.acquire(name, MINUTE)));
        assert.equal(leases.filter((l) => l !== null).length, 1);
      });
    });
  });
}

storeContract('sqlite', sqliteBackend);
storeContract('redis', redisBackend);
