import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { type AnyCloudEvent, ConsumerGroups, eventRecord, Topics } from '@orderflow/contracts';
import {
  type ConsumerRunner,
  createLogger,
  createMetrics,
  DeadLetterHeaders,
  deadLetterTopic,
  type HttpApp,
  kafkaStatusOf,
} from '@orderflow/platform';
import { closeAfterAll, readTopics, startTestBroker, type TestBroker, waitUntil } from '@orderflow/platform/testing';
import { buildApp } from '../src/app.ts';
import { createLogChannel } from '../src/log-channel.ts';
import type { Notification } from '../src/notification.ts';
import { startNotificationConsumer } from '../src/notification-consumer.ts';
import { createNotificationMetrics } from '../src/notification-metrics.ts';
import { createWebhookChannel } from '../src/webhook-channel.ts';
import { orderCreated, stockReserved } from './support/events.ts';
import { backends } from './support/test-backends.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

// notification-service wired as main.ts wires it (the real consumer runner, handler, channels and store, and the
// HTTP app), against our broker, observed as a user would: GET /notifications, /metrics, the webhook receiver and the
// dead-letter topic. Each backend gets a broker of its own so their consumer groups stay apart.

const silent = createLogger({ name: 'notification-it', level: 'silent' });
const TIMEOUT = 60_000;
const WEBHOOK_ATTEMPTS = 3;
/** Orders whose id starts with this are refused by the receiver, every time. */
const DOOMED = 'doomed-';

for (const backend of backends) {
  describe(`notification-service with our broker and ${backend.name}`, { timeout: 4 * TIMEOUT }, () => {
    const closeLater = closeAfterAll();
    let receiver: WebhookReceiver;
    let consumer: ConsumerRunner;
    let testBroker: TestBroker;
    let app: HttpApp;

    before(async () => {
      testBroker = closeLater(await startTestBroker('notification-service-test'));
      const { connection } = testBroker;
      const { store } = await closeLater(backend.fresh()).open();
      receiver = closeLater(
        await startWebhookReceiver((_n, body) => (body.includes(`"orderId":"${DOOMED}`) ? 500 : 200)),
      );
      const metrics = createMetrics();
      consumer = closeLater(
        await startNotificationConsumer({
          connection,
          store,
          channels: [
            createLogChannel(),
            createWebhookChannel({ url: receiver.url, secret: 's', timeoutMs: 5000, maxAttempts: WEBHOOK_ATTEMPTS }),
          ],
          backoff: { initialDelayMs: 5, maxDelayMs: 20 },
          log: silent,
          metrics,
          notificationMetrics: createNotificationMetrics(metrics.registry),
        }),
      );
      app = closeLater(buildApp({ log: silent, store, metrics, kafka: kafkaStatusOf(consumer) }));
      await app.ready();
    });

    async function publish(event: AnyCloudEvent): Promise<void> {
      await testBroker.publish(eventRecord(event));
    }

    async function notificationsOf(orderId: string): Promise<Notification[]> {
      const response = await app.inject({ method: 'GET', url: `/notifications?orderId=${orderId}` });
      assert.equal(response.statusCode, 200);
      return response.json().notifications;
    }

    async function metricsText(): Promise<string> {
      return (await app.inject({ method: 'GET', url: '/metrics' })).body;
    }

    test('reports ready once it is in its consumer group', { timeout: TIMEOUT }, async () => {
      const ready = await waitUntil(
        'readiness',
        () => app.inject({ method: 'GET', url: '/health/ready' }),
        (response) => response.statusCode === 200,
      );
      assert.equal(ready.json().status, 'ready');
    });

    test(
      'order-created and stock-reserved become "received" and "confirmed" on every channel',
      {
        timeout: TIMEOUT,
      },
      async () => {
        const orderId = `order-${randomUUID()}`;
        await publish(orderCreated(orderId, 'A001', 2));
        await publish(stockReserved(orderId, 'A001', 2, 8));

        const listed = await waitUntil(
          'four notifications sent',
          () => notificationsOf(orderId),
          (notifications) => notifications.filter((n) => n.status === 'SENT').length === 4,
        );
        for (const channel of ['log', 'webhook']) {
          const ofChannel = listed.filter((n) => n.channel === channel);
          assert.deepEqual(ofChannel.map((n) => n.subject).sort(), ['Order confirmed', 'Order received'], channel);
          assert.ok(ofChannel.every((n) => n.attempts === 1 && n.sentAt !== undefined));
        }
        const received = [...receiver.delivered.values()].map((body) => JSON.parse(body));
        assert.deepEqual(
          received
            .filter((body) => body.orderId === orderId)
            .map((body) => body.message)
            .sort(),
          [`We received your order ${orderId}: 2 × A001.`, `Your order ${orderId} is confirmed: 2 × A001 reserved.`],
        );
      },
    );

    test('the same event delivered twice is still one notification per channel', { timeout: TIMEOUT }, async () => {
      const skippedBefore = await skippedCount();
      const orderId = `order-${randomUUID()}`;
      const event = orderCreated(orderId);
      await publish(event);
      await publish(event);

      // The second copy is done with once both channels counted it as skipped.
      await waitUntil('the duplicate skipped on both channels', skippedCount, (count) => count === skippedBefore + 2);
      const listed = await notificationsOf(orderId);
      assert.deepEqual(listed.map((n) => `${n.channel}:${n.status}:${n.attempts}`).sort(), [
        'log:SENT:1',
        'webhook:SENT:1',
      ]);
      assert.equal(receiver.requests.filter((r) => r.body.includes(`"orderId":"${orderId}"`)).length, 1);
    });

    test(
      'a receiver that keeps failing sends the event to the dead-letter topic, saying why',
      {
        timeout: TIMEOUT,
      },
      async () => {
        const orderId = `${DOOMED}${randomUUID()}`;
        const event = orderCreated(orderId);
        const dlq = deadLetterTopic(Topics.orders, ConsumerGroups.notification);
        const deadLetters = closeLater(await readTopics(testBroker.connection, [dlq]));
        await publish(event);
        const [record] = await deadLetters.waitFor((r) => r.value.toString().includes(event.id));
        assert.equal(record!.headers[DeadLetterHeaders.errorCode], 'NOTIFICATION_DELIVERY_FAILED');
        assert.match(
          record!.headers[DeadLetterHeaders.errorReason] ?? '',
          new RegExp(`webhook notification ${event.id}:webhook failed after ${WEBHOOK_ATTEMPTS} attempts: .*HTTP 500`),
        );
        assert.equal(record!.headers[DeadLetterHeaders.originalTopic], Topics.orders);
        assert.equal(record!.headers[DeadLetterHeaders.consumerGroup], ConsumerGroups.notification);
        assert.equal(JSON.parse(record!.value.toString()).id, event.id, 'the dead letter is the original event');
        const listed = await notificationsOf(orderId);
        const webhook = listed.find((n) => n.channel === 'webhook');
        assert.equal(webhook?.status, 'FAILED');
        assert.equal(webhook?.attempts, WEBHOOK_ATTEMPTS);
        assert.match(webhook?.failureReason ?? '', /HTTP 500/);
        assert.equal(listed.find((n) => n.channel === 'log')?.status, 'SENT');
        assert.match(await metricsText(), /orderflow_notifications_total\{channel="webhook",status="failed"\} 1/);
      },
    );

    async function skippedCount(): Promise<number> {
      const text = await metricsText();
      let total = 0;
      for (const match of text.matchAll(/^orderflow_notifications_total\{[^}]*status="skipped"[^}]*\} (\d+)$/gm)) {
        total += Number(match[1]);
      }
      return total;
    }
  });
}
