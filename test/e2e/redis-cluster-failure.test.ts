import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getOrder, placeAcceptedOrder, placeOrder, type Problem, uniqueId } from './support/api.ts';
import { eventually } from '@orderflow/platform/testing';
import { withSystem } from './support/system.ts';

// A Redis Cluster master dies while the services run on the cluster: the master serving order-service's {orders}
// slot is SIGKILLed. order-service answers a new order with a clear 503 STORE_UNAVAILABLE problem and reports
// itself not ready, no service process crashes, and once the master is back (same node, same slots, empty) orders
// are accepted again.

const PRODUCT = 'A001';

test('a Redis Cluster master killed mid-run is STORE_UNAVAILABLE, not a crash, and orders resume when it is back', async (t) => {
  await withSystem(t, 'redis-cluster', async (system) => {
    const cluster = system.redisCluster!;
    const services = await system.startAll();
    const all = Object.values(services);
    const { order } = services;
    const before = uniqueId('cluster-before');
    await placeAcceptedOrder(order, { orderId: before, productId: PRODUCT, quantity: 1 });
    await eventually(`order ${before} decided`, async () =>
      assert.notEqual((await getOrder(order, before)).status, 'PENDING'),
    );

    const master = await cluster.masterOf('orderflow:order-service:{orders}:orders');
    await cluster.kill(master);

    const refused = await eventually(
      'a new order refused with STORE_UNAVAILABLE',
      async () => {
        const answer = await placeOrder(order, { orderId: uniqueId('cluster-down'), productId: PRODUCT, quantity: 1 });
        assert.equal(answer.status, 503, JSON.stringify(answer.body));
        return answer;
      },
      { timeoutMs: 60_000 },
    );
    assert.match(refused.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal((refused.body as Problem).code, 'STORE_UNAVAILABLE');
    await eventually('order-service not ready', async () => {
      const ready = await order.request<{ ready: boolean; checks: Record<string, { status: string }> }>(
        'GET',
        '/health/ready',
      );
      assert.equal(ready.status, 503, JSON.stringify(ready.body));
      assert.equal(ready.body.checks.store?.status, 'down', JSON.stringify(ready.body));
    });
    for (const service of all) assert.ok(service.isRunning(), `${service.label} still running`);

    await cluster.restart(master);
    await eventually(
      'order-service ready again',
      async () => {
        const ready = await order.request('GET', '/health/ready');
        assert.equal(ready.status, 200, JSON.stringify(ready.body));
      },
      { timeoutMs: 60_000 },
    );
    const after = uniqueId('cluster-after');
    await placeAcceptedOrder(order, { orderId: after, productId: PRODUCT, quantity: 1 });
    assert.equal((await getOrder(order, after)).orderId, after);
    for (const service of all) assert.ok(service.isRunning(), `${service.label} still running`);
  });
});
