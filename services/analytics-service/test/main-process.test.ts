import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConsumerGroups, eventRecord } from '@orderflow/contracts';
import { mainProcessFixture, waitUntil } from '@orderflow/platform/testing';
import { Admin } from '@platformatic/kafka';
import { orderCreated } from './events.ts';

// The service as it is deployed: src/main.ts in its own process, configured by the environment alone (SQLite store,
// our broker), answering HTTP, counting an event, and shutting down cleanly on SIGTERM.

const main = mainProcessFixture(new URL('../src/main.ts', import.meta.url), 'analytics-main');

test(
  'main.ts serves, counts from Kafka into SQLite, and exits 0 on SIGTERM after leaving the group',
  {
    timeout: 90_000,
  },
  async () => {
    const service = main.start();
    const base = await service.ready();
    await main.broker.publish(eventRecord(orderCreated({ orderId: 'o-main', productId: 'A001', quantity: 3 })));
    const stats = await waitUntil(
      'order counted',
      () => fetch(`${base}/stats`).then((r) => r.json() as Promise<{ totals: { orders: number; quantity: number } }>),
      (body) => body.totals.orders === 1,
    );
    assert.equal(stats.totals.quantity, 3);
    assert.ok(existsSync(join(service.dataDir, 'analytics-service.sqlite')));

    assert.equal(await service.stop(), 0);
    const messages = service.logs.map((entry) => entry.msg);
    assert.ok(messages.includes('kafka consumer stopped'), `logs: ${JSON.stringify(messages)}`);
    assert.ok(messages.includes('stopped'));
    // It left the group on the way out: the broker holds no member for it, rather than keeping the dead one until
    // its session times out (30 s) with its partitions assigned to nobody.
    const admin = new Admin({ clientId: 'main-test', bootstrapBrokers: [main.broker.broker.bootstrap] });
    try {
      const groups = await admin.describeGroups({ groups: [ConsumerGroups.analytics] });
      const group = groups.get(ConsumerGroups.analytics);
      assert.equal(group?.state, 'Empty');
      assert.equal(group?.members.size, 0);
    } finally {
      await admin.close();
    }
  },
);

test('main.ts refuses a dedupe retention under 24 h with one line naming the variable, and exits 1', async () => {
  const service = main.start({ ANALYTICS_DEDUPE_RETENTION: '1h' });
  assert.equal(await service.exited, 1);
  const stderr = service.stderr();
  assert.match(stderr, /^analytics-service: ANALYTICS_DEDUPE_RETENTION="1h" is invalid; expected a duration/);
  assert.equal(stderr.trim().split('\n').length, 1);
});
