// Replay through the real CLI against the real stack, on SQLite and on Redis:
// - stock-service and notification-service rewound to the earliest offsets and restarted change nothing: no second
//   decrement, no second stock-reserved event, no second notification;
// - `orderflow rebuild analytics-service` recounts the same statistics, with the view intact and after the view was
//   lost (the service killed and its store deleted), and is refused while another instance consumes.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { ConsumerGroups, EventTypes, Topics } from '@orderflow/contracts';
import { Redis } from 'ioredis';
import { runCli } from '../../packages/cli/test/cli-process.ts';
import {
  getOrder,
  getStats,
  getStock,
  listNotifications,
  placeAcceptedOrder,
  setStock,
  type Stats,
  uniqueId,
} from './support/api.ts';
import { eventually } from '@orderflow/platform/testing';
import { readTopics } from './support/kafka.ts';
import { ADMIN_TOKEN, BACKENDS, type Services, type System, withSystem } from './support/system.ts';

const PRODUCTS = ['A001', 'B002'] as const;

interface GroupsJson {
  groups: {
    group: string;
    members: unknown[];
    lag: number;
    partitions: { lag: number | null; committed: number | null; latest: number }[];
  }[];
}

interface RebuildJson {
  equal: boolean;
  eventsArrived: number;
  rewound: { topic: string; partition: number; offset: number }[];
  before: unknown;
  after: unknown;
}

/** Orders for two products, some of them rejected, all decided, counted and notified. */
async function placeDecidedOrders(services: Services): Promise<string[]> {
  const { order, stock, notification, analytics } = services;
  await setStock(stock, 'A001', 5);
  await setStock(stock, 'B002', 2);
  const orders = [
    { productId: 'A001', quantity: 2 },
    { productId: 'A001', quantity: 2 },
    { productId: 'A001', quantity: 2 },
    { productId: 'B002', quantity: 1 },
    { productId: 'B002', quantity: 3 },
  ].map((order) => ({ ...order, orderId: uniqueId('e2e-replay') }));
  for (const body of orders) {
    await placeAcceptedOrder(order, body);
    // One after the other: which order of a product is rejected is then fixed, whatever the partitioning.
    await eventually(`order ${body.orderId} decided`, async () => {
      assert.notEqual((await getOrder(order, body.orderId)).status, 'PENDING');
    });
  }
  await eventually('every order counted and notified', async () => {
    const { totals } = await getStats(analytics);
    assert.equal(totals.orders, orders.length);
    assert.equal(totals.confirmed + totals.rejected, orders.length);
    // received + confirmed or rejected, per order.
    assert.equal((await listNotifications(notification)).length, orders.length * 2);
  });
  return orders.map((o) => o.orderId);
}

async function groupCaughtUp(system: System, group: string): Promise<void> {
  await eventually(`${group} caught up`, async () => {
    const result = await runCli(['groups', group, '--json'], { KAFKA_BROKERS: system.bootstrap });
    assert.equal(result.code, 0, result.stderr);
    const [report] = (JSON.parse(result.stdout) as GroupsJson).groups;
    assert.ok(report !== undefined && report.members.length > 0, `${group} has a member`);
    assert.equal(report.lag, 0, `${group} lag`);
    assert.ok(
      // A partition that never had a record has nothing to commit.
      report.partitions.every((p) => p.lag === 0 || (p.committed === null && p.latest === 0)),
      `${group}: ${JSON.stringify(report.partitions)}`,
    );
  });
}

async function statsOf(services: Services): Promise<Pick<Stats, 'totals'> & { products: unknown }> {
  const answer = await services.analytics.request<{ totals: Stats['totals']; topProducts: unknown }>(
    'GET',
    '/stats?top=100',
  );
  assert.equal(answer.status, 200);
  return { totals: answer.body.totals, products: answer.body.topProducts };
}

async function rebuild(system: System, services: Services): Promise<RebuildJson> {
  const result = await runCli(['rebuild', 'analytics-service', '--target', services.analytics.url, '--json'], {
    KAFKA_BROKERS: system.bootstrap,
    ADMIN_TOKEN,
  });
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout) as RebuildJson;
}

/** What a lost store looks like: the SQLite file gone, or every analytics key gone from Redis. */
async function deleteAnalyticsStore(system: System): Promise<void> {
  if (system.redisUrl === undefined) {
    const file = `${system.dataDir}/analytics-service.sqlite`;
    for (const path of [file, `${file}-wal`, `${file}-shm`]) rmSync(path, { force: true });
    return;
  }
  const redis = new Redis(system.redisUrl, { lazyConnect: true });
  try {
    await redis.connect();
    const keys = await redis.keys('orderflow:analytics-service:*');
    assert.ok(keys.length > 0, 'analytics keys in Redis');
    await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

for (const backend of BACKENDS) {
  test(`${backend}: rewinding stock-service and notification-service to the earliest offsets changes nothing`, async (t) => {
    await withSystem(t, backend, async (system) => {
      const services = await system.startAll();
      const orderIds = await placeDecidedOrders(services);
      const stockBefore = await Promise.all(PRODUCTS.map((id) => getStock(services.stock, id)));
      const notificationsBefore = await listNotifications(services.notification);
      const witness = await readTopics(system.bootstrap, [Topics.stock]);
      t.after(() => witness.stop());
      // A replayed order gets its recorded decision published again, with the same event id, in case the first
      // publication was lost: a copy is harmless downstream, a second decision (another id) would not be.
      const reservations = () => {
        const ids = new Set<string>();
        for (const { event } of witness.records) {
          if (event?.type === EventTypes.stockReserved) ids.add(event.id);
        }
        return ids.size;
      };
      await eventually('the witness has read stock-topic', async () => assert.equal(reservations(), 3));
      const statsBefore = await statsOf(services);

      await Promise.all([services.stock.stop(), services.notification.stop()]);
      const env = { KAFKA_BROKERS: system.bootstrap };
      for (const group of [ConsumerGroups.stock, ConsumerGroups.notification]) {
        const reset = await runCli(['reset-offsets', group, '--to-earliest', '--execute', '--json'], env);
        assert.equal(reset.code, 0, reset.stderr);
        const { partitions } = JSON.parse(reset.stdout) as { partitions: { next: number }[] };
        assert.ok(partitions.length > 0 && partitions.every((p) => p.next === 0), reset.stdout);
      }
      const stock = await system.start('stock-service');
      const notification = await system.start('notification-service');
      await groupCaughtUp(system, ConsumerGroups.stock);
      await groupCaughtUp(system, ConsumerGroups.notification);

      // The replayed events reached the restarted processes, which recognised them as done.
      assert.deepEqual(await Promise.all(PRODUCTS.map((id) => getStock(stock, id))), stockBefore);
      assert.deepEqual(
        (await listNotifications(notification)).map((n) => n.id).sort(),
        notificationsBefore.map((n) => n.id).sort(),
      );
      assert.equal(reservations(), 3, 'no second reservation decision');
      await groupCaughtUp(system, ConsumerGroups.analytics);
      assert.deepEqual(await statsOf(services), statsBefore, 'the republished decisions are not counted twice');
      for (const orderId of orderIds) {
        const { status } = await getOrder(services.order, orderId);
        assert.notEqual(status, 'PENDING', orderId);
      }
    });
  });

  test(`${backend}: orderflow rebuild analytics-service recounts the same statistics, even after the store is lost`, async (t) => {
    await withSystem(t, backend, async (system) => {
      const services = await system.startAll();
      await placeDecidedOrders(services);
      const before = await statsOf(services);
      assert.equal(before.totals.confirmed, 3);

      const rebuilt = await rebuild(system, services);
      assert.equal(rebuilt.equal, true, JSON.stringify(rebuilt));
      assert.deepEqual(rebuilt.after, rebuilt.before);
      assert.ok(
        rebuilt.rewound.length > 0 && rebuilt.rewound.every((p) => p.offset === 0),
        JSON.stringify(rebuilt.rewound),
      );
      assert.equal(
        services.analytics.logged({ msg: 'rebuild: view cleared and group rewound, counting again' }).length,
        1,
      );
      assert.deepEqual(await statsOf(services), before);

      // The view lost for good: without a rebuild the service starts from nothing, at the group's committed offsets.
      await services.analytics.kill();
      await deleteAnalyticsStore(system);
      const analytics = await system.start('analytics-service');
      const restarted = { ...services, analytics };
      await groupCaughtUp(system, ConsumerGroups.analytics);
      assert.equal((await statsOf(restarted)).totals.orders, 0, 'the lost view is empty');

      const recovered = await rebuild(system, restarted);
      assert.equal(recovered.equal, false);
      assert.deepEqual(await statsOf(restarted), before);

      if (backend === 'sqlite') {
        const table = await runCli(['rebuild', 'analytics-service', '--target', analytics.url], {
          KAFKA_BROKERS: system.bootstrap,
          ADMIN_TOKEN,
        });
        assert.equal(table.code, 0, table.stderr);
        assert.match(table.stdout, /PRODUCT\s+ORDERS\s+QUANTITY\s+CONFIRMED\s+REJECTED/);
        assert.match(table.stdout, /A001\s+3 → 3\s+6 → 6\s+2 → 2\s+1 → 1/);
        assert.match(table.stdout, /TOTAL\s+5 → 5\s+10 → 10\s+3 → 3\s+2 → 2/);
        assert.match(table.stdout, /equal those before the rebuild/);

        const wrongToken = await runCli(['rebuild', 'analytics-service', '--target', analytics.url], {
          KAFKA_BROKERS: system.bootstrap,
          ADMIN_TOKEN: 'not-the-token',
        });
        assert.equal(wrongToken.code, 1);
        assert.match(wrongToken.stderr, /403 ADMIN_TOKEN_INVALID/);

        // A second instance keeps the group busy: the rewind is refused and the view is left as it was.
        const second = await system.start('analytics-service');
        const refused = await runCli(['rebuild', 'analytics-service', '--target', analytics.url], {
          KAFKA_BROKERS: system.bootstrap,
          ADMIN_TOKEN,
        });
        assert.equal(refused.code, 1, refused.stdout);
        assert.match(refused.stderr, /409 KAFKA_GROUP_NOT_EMPTY/);
        assert.deepEqual(await statsOf({ ...restarted, analytics: second }), before);
      }
    });
  });
}
