import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { EventPoisonCodes } from '@orderflow/contracts';
import { type BatchHandler, PoisonEventError, type RecordHandler } from '@orderflow/platform';
import { Registry } from 'prom-client';
import { createLogChannel } from '../src/log-channel.ts';
import { notificationId } from '../src/notification.ts';
import { createNotificationDispatcher } from '../src/notification-dispatcher.ts';
import { NotificationErrors } from '../src/notification-errors.ts';
import { createNotificationBatchHandler, createNotificationHandler } from '../src/notification-handler.ts';
import { createNotificationMetrics, type NotificationMetrics } from '../src/notification-metrics.ts';
import type { NotificationStore } from '../src/notification-store.ts';
import { createWebhookChannel } from '../src/webhook-channel.ts';
import { batchContext, handlerContext } from '@orderflow/platform/testing';
import { consumed, orderCreated, stockChanged, stockRejected, stockReserved } from './support/events.ts';
import { backends, type TestStore } from './support/test-backends.ts';
import { type Responder, startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

const SECRET = 'handler-test-secret';

async function counter(metrics: NotificationMetrics, channel: string, status: string): Promise<number> {
  const { values } = await metrics.notifications.get();
  return values.find((v) => v.labels.channel === channel && v.labels.status === status)?.value ?? 0;
}

for (const backend of backends) {
  describe(`notification handler on ${backend.name}`, () => {
    let data: TestStore;
    let store: NotificationStore;
    let receiver: WebhookReceiver;
    let metrics: NotificationMetrics;

    let handleBatch: BatchHandler;

    async function setUp(respond: Responder, backoffMs = 5): Promise<RecordHandler> {
      data = backend.fresh();
      store = (await data.open()).store;
      receiver = await startWebhookReceiver(respond);
      metrics = createNotificationMetrics(new Registry());
      const channels = [
        createLogChannel(),
        createWebhookChannel({ url: receiver.url, secret: SECRET, timeoutMs: 5000, maxAttempts: 3 }),
      ];
      const backoff = { initialDelayMs: backoffMs, maxDelayMs: backoffMs * 4 };
      const dispatcher = createNotificationDispatcher({ store, channels, backoff, metrics });
      handleBatch = createNotificationBatchHandler(dispatcher);
      return createNotificationHandler(dispatcher);
    }

    afterEach(async () => {
      await receiver.close();
      await data.cleanup();
    });

    test('a receiver failing twice then succeeding gets the notification once, recorded with 3 attempts', async () => {
      const handle = await setUp((n) => (n <= 2 ? 503 : 200));
      const event = orderCreated('order-flaky');
      await handle(consumed(event), handlerContext());

      const webhookId = notificationId(event.id, 'webhook');
      assert.equal(receiver.requests.length, 3);
      assert.deepEqual(
        receiver.requests.map((r) => r.headers['idempotency-key']),
        [webhookId, webhookId, webhookId],
      );
      assert.equal(receiver.delivered.size, 1);
      const webhook = await store.get(webhookId, Date.now());
      assert.equal(webhook?.status, 'SENT');
      assert.equal(webhook?.attempts, 3);
      assert.ok(webhook?.sentAt);
      const log = await store.get(notificationId(event.id, 'log'), Date.now());
      assert.equal(log?.status, 'SENT');
      assert.equal(log?.attempts, 1);
      assert.equal(await counter(metrics, 'webhook', 'sent'), 1);
    });

    test('a redelivered event sends nothing again', async () => {
      const handle = await setUp(() => 200);
      const record = consumed(orderCreated('order-twice'));
      await handle(record, handlerContext());
      await handle(record, handlerContext());

      assert.equal(receiver.requests.length, 1);
      const listed = await store.list({ orderId: 'order-twice', limit: 50 }, Date.now());
      assert.deepEqual(listed.map((n) => [n.channel, n.status, n.attempts]).sort(), [
        ['log', 'SENT', 1],
        ['webhook', 'SENT', 1],
      ]);
      assert.equal(await counter(metrics, 'log', 'skipped'), 1);
      assert.equal(await counter(metrics, 'webhook', 'skipped'), 1);
    });

    test('after a crash mid-delivery the redelivery retries the PENDING notification under the same key', async () => {
      const handle = await setUp(() => 200);
      const event = orderCreated('order-crash');
      const webhookId = notificationId(event.id, 'webhook');
      // What a crashed instance leaves behind: the attempt recorded, the outcome never.
      await store.startAttempt(
        {
          id: webhookId,
          eventId: event.id,
          eventType: event.type,
          orderId: 'order-crash',
          channel: 'webhook',
          subject: 'Order received',
          message: 'We received your order order-crash: 2 × A001.',
        },
        Date.now(),
      );
      await handle(consumed(event), handlerContext());

      assert.equal(receiver.requests.length, 1);
      assert.equal(receiver.requests[0]?.headers['idempotency-key'], webhookId);
      const webhook = await store.get(webhookId, Date.now());
      assert.equal(webhook?.status, 'SENT');
      assert.equal(webhook?.attempts, 2);
    });

    test('a receiver that keeps failing: FAILED with the reason, and an error that dead-letters the event', async () => {
      const handle = await setUp(() => 500);
      const event = stockRejected('order-doomed', 'A001', 5, 1);
      await assert.rejects(handle(consumed(event), handlerContext()), (error: unknown) => {
        assert.ok(NotificationErrors.is(error, 'NOTIFICATION_DELIVERY_FAILED'));
        assert.equal(error.retriable, false, 'the consumer runner dead-letters non-retriable errors at once');
        assert.match(error.message, /webhook notification .+ failed after 3 attempts: .+ answered HTTP 500/);
        return true;
      });
      assert.equal(receiver.requests.length, 3);
      const webhook = await store.get(notificationId(event.id, 'webhook'), Date.now());
      assert.equal(webhook?.status, 'FAILED');
      assert.equal(webhook?.attempts, 3);
      assert.match(webhook?.failureReason ?? '', /answered HTTP 500/);
      assert.equal((await store.get(notificationId(event.id, 'log'), Date.now()))?.status, 'SENT');
      assert.equal(await counter(metrics, 'webhook', 'failed'), 1);
    });

    test('a permanent rejection is not retried', async () => {
      const handle = await setUp(() => 400);
      const event = orderCreated('order-rejected');
      await assert.rejects(handle(consumed(event), handlerContext()), /failed after 1 attempt: .+ answered HTTP 400/);
      assert.equal(receiver.requests.length, 1);
      assert.equal((await store.get(notificationId(event.id, 'webhook'), Date.now()))?.status, 'FAILED');
    });

    test('shutdown during a backoff leaves the notification PENDING and the event for redelivery', async () => {
      const handle = await setUp(() => 500, 60_000);
      const event = orderCreated('order-shutdown');
      const shutdown = new AbortController();
      const handled = handle(consumed(event), handlerContext(shutdown.signal));
      await receiver.waitForRequests(1);
      shutdown.abort();
      await assert.rejects(handled, (error: unknown) => {
        assert.ok(NotificationErrors.is(error, 'NOTIFICATION_INTERRUPTED'));
        assert.equal(error.retriable, true);
        return true;
      });
      assert.equal((await store.get(notificationId(event.id, 'webhook'), Date.now()))?.status, 'PENDING');
    });

    test('stock-changed is acknowledged without a notification; an undecodable record is poison', async () => {
      const handle = await setUp(() => 200);
      await handle(consumed(stockChanged('A001', 3)), handlerContext());
      assert.deepEqual(await store.list({ limit: 50 }, Date.now()), []);
      assert.equal(receiver.requests.length, 0);

      await assert.rejects(handle(consumed(Buffer.from('{not json')), handlerContext()), (error: unknown) => {
        assert.ok(error instanceof PoisonEventError);
        assert.equal(error.code, EventPoisonCodes.malformedJson);
        return true;
      });
    });

    test('a batch delivers each event once per channel, a copy of an event within it included', async () => {
      await setUp(() => 200);
      const received = orderCreated('order-batch-1');
      const confirmed = stockReserved('order-batch-1');
      const other = orderCreated('order-batch-2');
      const records = [received, stockChanged('A001', 3), confirmed, received, other].map((event) => consumed(event));
      await handleBatch(records, batchContext());

      assert.deepEqual(
        receiver.requests.map((r) => r.headers['idempotency-key']).sort(),
        [received, confirmed, other].map((event) => notificationId(event.id, 'webhook')).sort(),
      );
      const listed = await store.list({ limit: 50 }, Date.now());
      assert.equal(listed.length, 6, 'three events on two channels');
      assert.ok(listed.every((n) => n.status === 'SENT' && n.attempts === 1));
    });

    test('a batch with a poison record throws before it dispatches anything', async () => {
      await setUp(() => 200);
      const records = [consumed(orderCreated('order-before-poison')), consumed(Buffer.from('{not json'))];
      await assert.rejects(handleBatch(records, batchContext()), PoisonEventError);
      assert.equal(receiver.requests.length, 0);
      assert.deepEqual(await store.list({ limit: 50 }, Date.now()), []);
    });

    test('a batch with one failing event throws once the others are sent, which one by one then skips', async () => {
      const handle = await setUp((_, body) => (body.includes('order-refused') ? 400 : 200));
      const sent = orderCreated('order-fine');
      const refused = orderCreated('order-refused');
      const records = [consumed(sent), consumed(refused)];
      await assert.rejects(handleBatch(records, batchContext()), (error: unknown) => {
        assert.ok(NotificationErrors.is(error, 'NOTIFICATION_DELIVERY_FAILED'));
        return true;
      });
      assert.equal((await store.get(notificationId(sent.id, 'webhook'), Date.now()))?.status, 'SENT');
      assert.equal((await store.get(notificationId(refused.id, 'webhook'), Date.now()))?.status, 'FAILED');

      // What the consumer runner does next: every record of the batch through the per-record handler.
      await handle(records[0]!, handlerContext());
      await assert.rejects(handle(records[1]!, handlerContext()), /answered HTTP 400/);
      const fine = receiver.requests.filter((r) => r.headers['idempotency-key'] === notificationId(sent.id, 'webhook'));
      assert.equal(fine.length, 1, 'the event sent in the batch is not sent again');
    });
  });
}
