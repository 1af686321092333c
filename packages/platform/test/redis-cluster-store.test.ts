import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger, isAppError, openStore, type Store } from '../src/index.ts';
import { type RedisCluster, startRedisCluster, startRedisSentinel } from '../src/testing/index.ts';

// openStore() on a real Redis Cluster (three masters started here): the lock's two-key script runs in one slot,
// and ping, the store's readiness, is down while a master is dead and up again once it is back.

const log = createLogger({ name: 'redis-cluster-store', level: 'silent' });
let cluster: RedisCluster;

before(async () => {
  cluster = await startRedisCluster();
});
after(async () => {
  await cluster?.close();
});

const isUnavailable = (error: unknown) => isAppError(error) && error.code === 'STORE_UNAVAILABLE';

async function openOnCluster(namespace: string): Promise<Store> {
  const nodes = cluster.seeds.split(',');
  return openStore(
    { REDIS_URL: undefined, REDIS_CLUSTER_NODES: nodes, ORDERFLOW_DATA_DIR: '.unused' },
    {
      log,
      namespace,
    },
  );
}

test('a store on REDIS_CLUSTER_NODES takes locks with fencing tokens, one slot per lock', async () => {
  const store = await openOnCluster('cluster-locks');
  try {
    await store.ping();
    // Names hashing to different masters: each lock's two keys still share the {name} slot.
    const leases = await Promise.all(
      ['alpha', 'beta', 'gamma', 'delta'].map((name) => store.locks.acquire(name, 5000)),
    );
    assert.ok(leases.every((lease) => lease !== null && lease.fencingToken === 1));
    assert.equal(await store.locks.acquire('alpha', 5000), null, 'held');
    assert.ok(await leases[0]!.release());
    assert.equal((await store.locks.acquire('alpha', 5000))?.fencingToken, 2);
  } finally {
    await store.close();
  }
});

test('a dead cluster master makes ping STORE_UNAVAILABLE, and ping recovers when it is back', async () => {
  const store = await openOnCluster('cluster-ping');
  try {
    await store.ping();
    const victim = cluster.nodes[1]!;
    await cluster.kill(victim);
    await assert.rejects(store.ping(), isUnavailable);
    await cluster.restart(victim);
    const deadline = performance.now() + 30_000;
    for (;;) {
      try {
        await store.ping();
        break;
      } catch (error) {
        assert.ok(isUnavailable(error), String(error));
        if (performance.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    await store.close();
  }
});

test('a store on REDIS_SENTINELS + REDIS_SENTINEL_NAME reaches the master the Sentinel names', async () => {
  const sentinel = await startRedisSentinel();
  try {
    const store = await openStore(
      {
        REDIS_URL: undefined,
        REDIS_SENTINELS: [sentinel.sentinels],
        REDIS_SENTINEL_NAME: sentinel.name,
        ORDERFLOW_DATA_DIR: '.unused',
      },
      { log, namespace: 'sentinel-store' },
    );
    try {
      await store.ping();
      assert.equal(store.backend.kind, 'redis');
      if (store.backend.kind === 'redis') {
        const port = await store.backend.redis.config('GET', 'port');
        assert.deepEqual(port, ['port', String(sentinel.masterPort)]);
      }
      assert.equal((await store.locks.acquire('sentinel', 5000))?.fencingToken, 1);
    } finally {
      await store.close();
    }
  } finally {
    await sentinel.close();
  }
});
