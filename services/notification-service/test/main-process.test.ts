import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { before, test } from 'node:test';
import { eventRecord } from '@orderflow/contracts';
import { startTraceparent, traceIdOf } from '@orderflow/platform';
import { closeAfterAll, mainProcessFixture, waitUntil } from '@orderflow/platform/testing';
import type { Notification } from '../src/notification.ts';
import { orderCreated } from './support/events.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

// main.ts as a process: configuration from the environment, channels from NOTIFY_*, serving, consuming, and the
// graceful exit on SIGTERM that an orchestrator relies on.

const SECRET = 'main-process-secret';
const main = mainProcessFixture(new URL('../src/main.ts', import.meta.url), 'notification-main');
const closeLater = closeAfterAll();
let receiver: WebhookReceiver;

before(async () => {
  receiver = closeLater(await startWebhookReceiver());
});

test(
  'main delivers an event on the log and the webhook, lists it, and exits 0 on SIGTERM',
  {
    timeout: 60_000,
  },
  async () => {
    const service = main.start({ NOTIFY_WEBHOOK_URL: receiver.url, NOTIFY_WEBHOOK_SECRET: SECRET });
    try {
      const started = await service.logLine((line) => line.msg === 'notification-service started');
      assert.deepEqual(started.channels, ['log', 'webhook']);
      assert.equal(started.backend, 'sqlite');
      const base = await service.ready();
      assert.equal(base, String(started.address));

      const event = orderCreated('order-main-1', 'A001', 3);
      const traceparent = startTraceparent();
      await main.broker.publish({ ...eventRecord(event), traceparent });

      await receiver.waitForRequests(1);
      const [request] = receiver.requests;
      const signature = `sha256=${createHmac('sha256', SECRET).update(request!.body).digest('hex')}`;
      assert.equal(request?.headers['x-orderflow-signature'], signature);
      assert.equal(request?.headers['idempotency-key'], `${event.id}:webhook`);

      const logged = await service.logLine((line) => line.msg === 'notification');
      assert.equal(logged.text, 'We received your order order-main-1: 3 × A001.');
      assert.equal(logged.orderId, 'order-main-1');
      assert.equal(logged.traceId, traceIdOf(traceparent), 'the log line carries the event’s trace');

      const listed = await waitUntil(
        'both notifications sent',
        async () => {
          const response = await fetch(`${base}/notifications?orderId=order-main-1`);
          return ((await response.json()) as { notifications: Notification[] }).notifications;
        },
        (notifications) => notifications.filter((n) => n.status === 'SENT').length === 2,
      );
      assert.deepEqual(listed.map((n) => n.channel).sort(), ['log', 'webhook']);
    } finally {
      void service.stop();
    }
    assert.equal(await service.exited, 0, service.output());
    assert.match(service.output(), /"msg":"stopped"/);
  },
);

test('main refuses the webhook channel without a URL, in one line, with exit code 1', { timeout: 30_000 }, async () => {
  const service = main.start({ NOTIFY_CHANNELS: 'log,webhook' });
  assert.equal(await service.exited, 1);
  assert.equal(
    service.output(),
    'notification-service: NOTIFY_WEBHOOK_URL is not set; it is required when NOTIFY_CHANNELS includes webhook\n',
  );
});
