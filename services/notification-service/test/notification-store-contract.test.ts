import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, test } from 'node:test';
import { EventTypes } from '@orderflow/contracts';
import { PlatformErrors, type StoreBackend } from '@orderflow/platform';
import { Redis } from 'ioredis';
import { type ChannelName, type NewNotification, notificationId } from '../src/notification.ts';
import type { NotificationStore } from '../src/notification-store.ts';
import { backends, REDIS_URL, RETENTION_MS, type TestStore } from './support/test-backends.ts';

// One suite, both backends: whatever the Redis store guarantees, the SQLite store guarantees too.

function newNotification(orderId: string, channel: ChannelName = 'log', eventId = randomUUID()): NewNotification {
  return {
    id: notificationId(eventId, channel),
    eventId,
    eventType: EventTypes.orderCreated,
    orderId,
    channel,
    subject: 'Order received',
    message: `We received your order ${orderId}: 2 × A001.`,
  };
}

const T0 = Date.parse('2031-05-06T07:08:09.010Z');

for (const backend of backends) {
  describe(`notification store on ${backend.name}`, () => {
    let data: TestStore;
    let store: NotificationStore;
    let backendInfo: StoreBackend;

    async function fresh(retentionMs?: number): Promise<NotificationStore> {
      data = backend.fresh();
      const opened = await data.open(retentionMs === undefined ? {} : { retentionMs });
      store = opened.store;
      backendInfo = opened.platform.backend;
      return store;
    }

    afterEach(async () => {
      await data.cleanup();
    });

    test('records a new notification as PENDING with one attempt, before anything is delivered', async () => {
      await fresh();
      const input = newNotification('order-1', 'webhook');
      const started = await store.startAttempt(input, T0);
      const expected = { ...input, status: 'PENDING', attempts: 1, createdAt: '2031-05-06T07:08:09.010Z' };
      assert.deepEqual(started, { status: 'attempt', notification: expected });
      assert.deepEqual(await store.get(input.id, T0), expected);
      assert.equal(await store.get('no-such-event:log', T0), undefined);
    });

    test('marks a notification SENT, and a redelivered event finds it sent and changes nothing', async () => {
      await fresh();
      const input = newNotification('order-2');
      await store.startAttempt(input, T0);
      assert.equal(await store.markSent(input.id, T0 + 250), true);
      const sent = await store.get(input.id, T0 + 300);
      assert.equal(sent?.status, 'SENT');
      assert.equal(sent?.sentAt, '2031-05-06T07:08:09.260Z');
      assert.equal(sent?.attempts, 1);

      const again = await store.startAttempt(input, T0 + 1000);
      assert.deepEqual(again, { status: 'already-sent', notification: sent });
      assert.equal(await store.markSent(input.id, T0 + 2000), false, 'a SENT notification is not sent twice');
      assert.equal(await store.markFailed(input.id, 'late failure', T0 + 2000), false, 'nor failed afterwards');
      assert.deepEqual(await store.get(input.id, T0 + 3000), sent);
    });

    test('a PENDING notification left by a crash is attempted again, keeping its id and creation time', async () => {
      await fresh();
      const input = newNotification('order-3', 'webhook');
      await store.startAttempt(input, T0);
      const retried = await store.startAttempt(input, T0 + 5000);
      assert.equal(retried.status, 'attempt');
      assert.equal(retried.notification.status, 'PENDING');
      assert.equal(retried.notification.attempts, 2);
      assert.equal(retried.notification.createdAt, new Date(T0).toISOString());
      assert.equal((await store.list({ orderId: 'order-3', limit: 10 }, T0 + 5000)).length, 1);
    });

    test('FAILED keeps the reason; the event coming again moves it back to PENDING for another attempt', async () => {
      await fresh();
      const input = newNotification('order-4', 'webhook');
      await store.startAttempt(input, T0);
      assert.equal(await store.markFailed(input.id, 'receiver answered HTTP 500', T0 + 10), true);
      const failed = await store.get(input.id, T0 + 20);
      assert.equal(failed?.status, 'FAILED');
      assert.equal(failed?.failureReason, 'receiver answered HTTP 500');
      assert.equal(await store.markSent(input.id, T0 + 30), false, 'only a PENDING notification can be sent');

      const replay = await store.startAttempt(input, T0 + 40);
      assert.equal(replay.status, 'attempt');
      assert.equal(replay.notification.attempts, 2);
      assert.equal(replay.notification.status, 'PENDING');
      assert.equal(replay.notification.failureReason, undefined);
      assert.equal(await store.markSent(input.id, T0 + 50), true);
    });

    test('finishing an unknown notification changes nothing', async () => {
      await fresh();
      assert.equal(await store.markSent('nobody:log', T0), false);
      assert.equal(await store.markFailed('nobody:log', 'reason', T0), false);
      assert.deepEqual(await store.list({ limit: 10 }, T0), []);
    });

    test('lists an order’s notifications newest first, and all of them across orders', async () => {
      await fresh();
      const first = newNotification('order-a', 'log');
      const second = newNotification('order-b', 'log');
      const third = newNotification('order-a', 'webhook');
      const fourth = newNotification('order-a', 'log');
      for (const [i, input] of [first, second, third, fourth].entries()) await store.startAttempt(input, T0 + i);
      await store.markSent(first.id, T0 + 10);

      const ofA = await store.list({ orderId: 'order-a', limit: 50 }, T0 + 20);
      assert.deepEqual(
        ofA.map((n) => n.id),
        [fourth.id, third.id, first.id],
      );
      assert.equal(ofA[2]?.status, 'SENT');
      assert.deepEqual(
        (await store.list({ orderId: 'order-a', limit: 2 }, T0 + 20)).map((n) => n.id),
        [fourth.id, third.id],
      );
      assert.deepEqual(
        (await store.list({ limit: 3 }, T0 + 20)).map((n) => n.id),
        [fourth.id, third.id, second.id],
      );
      assert.deepEqual(await store.list({ orderId: 'order-none', limit: 50 }, T0 + 20), []);
      // A re-attempt does not make an old notification "newer".
      await store.startAttempt(first, T0 + 30);
      assert.equal((await store.list({ orderId: 'order-a', limit: 1 }, T0 + 40))[0]?.id, fourth.id);
    });

    test('concurrent attempts from two instances create one notification and count every attempt', async () => {
      await fresh();
      const other = (await data.open()).store;
      const input = newNotification('order-race', 'webhook');
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? store : other).startAttempt(input, T0)),
      );
      assert.deepEqual(
        results.map((r) => r.notification.attempts).sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      assert.equal((await other.list({ orderId: 'order-race', limit: 50 }, T0)).length, 1);
    });

    test('operations made together (one batch on Redis) each apply atomically, in the order they were made', async () => {
      await fresh();
      const inputs = Array.from({ length: 20 }, (_, i) => newNotification(`order-batch-${i % 4}`));
      const [first] = inputs as [NewNotification];
      // Nothing awaited in between: on Redis these share one batch command, whose steps run in call order.
      const [starts, sentBeforeStart, firstAgain, sent, failed] = await Promise.all([
        Promise.all(inputs.map((input) => store.startAttempt(input, T0))),
        store.markSent('not-yet-started:log', T0),
        store.startAttempt(first, T0 + 1),
        Promise.all(inputs.slice(1).map((input) => store.markSent(input.id, T0 + 2))),
        store.markFailed(first.id, 'receiver answered HTTP 500', T0 + 3),
      ]);
      assert.deepEqual(
        starts.map(({ status, notification }) => [status, notification.id, notification.attempts]),
        inputs.map((input) => ['attempt', input.id, 1]),
      );
      assert.equal(sentBeforeStart, false);
      assert.deepEqual([firstAgain.status, firstAgain.notification.attempts], ['attempt', 2]);
      assert.deepEqual(
        sent,
        inputs.slice(1).map(() => true),
      );
      assert.equal(failed, true);
      assert.equal((await store.get(first.id, T0 + 4))?.status, 'FAILED');
      const redelivered = await Promise.all(inputs.map((input) => store.startAttempt(input, T0 + 5)));
      assert.deepEqual(
        redelivered.map(({ status }) => status),
        ['attempt', ...inputs.slice(1).map(() => 'already-sent')],
      );
      assert.equal((await store.list({ orderId: 'order-batch-1', limit: 50 }, T0 + 6)).length, 5);
    });

    test('a call after the platform store closed is STORE_UNAVAILABLE (retriable), as on every store', async () => {
      data = backend.fresh();
      const { store: closed, platform } = await data.open();
      await platform.close();
      await assert.rejects(closed.startAttempt(newNotification('order-closed'), T0), (error: unknown) => {
        assert.ok(PlatformErrors.is(error, 'STORE_UNAVAILABLE'), `expected STORE_UNAVAILABLE, got ${error}`);
        return true;
      });
    });

    test('a notification is forgotten after the retention, and its event is then notified afresh', async () => {
      const retentionMs = backend.name === 'redis' ? 1 : RETENTION_MS;
      await fresh(retentionMs);
      const input = newNotification('order-old');
      await store.startAttempt(input, T0);
      await store.markSent(input.id, T0);
      // SQLite expires by the clock it is given; Redis by its own, so the test waits until Redis dropped the key.
      const later = backend.name === 'redis' ? T0 : T0 + RETENTION_MS;
      while ((await store.get(input.id, later)) !== undefined) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(await store.list({ orderId: 'order-old', limit: 50 }, later), []);
      assert.deepEqual(await store.list({ limit: 50 }, later), []);
      const again = await store.startAttempt(input, later);
      assert.equal(again.status, 'attempt');
      assert.equal(again.notification.attempts, 1);
    });

    if (backend.name === 'redis') {
      test('expired notifications do not pile up in the Redis index', async () => {
        await fresh(1);
        const inputs = Array.from({ length: 5 }, () => newNotification('order-churn'));
        for (const input of inputs) await store.startAttempt(input, T0);
        while ((await store.list({ limit: 50 }, T0)).length > 0) await new Promise((resolve) => setImmediate(resolve));
        for (const input of inputs) await store.startAttempt({ ...input, id: `${input.id}-again` }, T0);
        const info = backendInfo;
        if (info.kind !== 'redis') throw new Error('expected the Redis backend');
        const admin = new Redis(REDIS_URL);
        try {
          const entries = await admin.zcard(`${info.keyPrefix}{notify}:all`);
          assert.ok(entries <= 5 + 1, `index kept ${entries} entries for at most 5 live notifications`);
        } finally {
          admin.disconnect();
        }
      });
    }
  });
}
