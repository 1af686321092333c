import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { afterEach, test } from 'node:test';
import { startTraceparent } from '@orderflow/platform';
import { type Notification, notificationId } from '../src/notification.ts';
import type { DeliveryContext } from '../src/notification-channel.ts';
import { NotificationErrors } from '../src/notification-errors.ts';
import { createWebhookChannel } from '../src/webhook-channel.ts';
import { silentLog } from '@orderflow/platform/testing';
import { orderCreated } from './support/events.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

const SECRET = 'webhook-test-secret';
let receiver: WebhookReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const event = orderCreated('order-42', 'A001', 2);
const notification: Notification = {
  id: notificationId(event.id, 'webhook'),
  eventId: event.id,
  eventType: event.type,
  orderId: 'order-42',
  channel: 'webhook',
  subject: 'Order received',
  message: 'We received your order order-42: 2 × A001.',
  status: 'PENDING',
  attempts: 1,
  createdAt: '2031-01-02T03:04:05.000Z',
};

function context(signal = new AbortController().signal): DeliveryContext {
  return { event, log: silentLog, traceparent: startTraceparent(), signal };
}

function channel(url: string, timeoutMs = 5000) {
  return createWebhookChannel({ url, secret: SECRET, timeoutMs, maxAttempts: 3 });
}

test('POSTs the notification as JSON, signed with HMAC-SHA256 of the body, keyed by the notification id', async () => {
  receiver = await startWebhookReceiver();
  const deliveryContext = context();
  await channel(receiver.url).deliver(notification, deliveryContext);

  assert.equal(receiver.requests.length, 1);
  const [request] = receiver.requests;
  assert.equal(request?.method, 'POST');
  assert.equal(request?.headers['content-type'], 'application/json');
  const expected = `sha256=${createHmac('sha256', SECRET).update(request!.body).digest('hex')}`;
  assert.equal(request?.headers['x-orderflow-signature'], expected, 'the signature verifies with the shared secret');
  const forged = createHmac('sha256', 'another-secret').update(request!.body).digest('hex');
  assert.notEqual(request?.headers['x-orderflow-signature'], `sha256=${forged}`);
  assert.equal(request?.headers['idempotency-key'], `${event.id}:webhook`);
  assert.equal(request?.headers.traceparent, deliveryContext.traceparent);
  assert.deepEqual(JSON.parse(request!.body), {
    id: notification.id,
    eventId: event.id,
    eventType: 'com.orderflow.order.created.v1',
    orderId: 'order-42',
    subject: 'Order received',
    message: 'We received your order order-42: 2 × A001.',
    createdAt: '2031-01-02T03:04:05.000Z',
    data: event.data,
  });
});

test('every attempt sends the same bytes and key, so the receiver can drop repeats', async () => {
  receiver = await startWebhookReceiver();
  const webhook = channel(receiver.url);
  await webhook.deliver(notification, context());
  await webhook.deliver({ ...notification, attempts: 2 }, context());
  assert.equal(receiver.requests[0]?.body, receiver.requests[1]?.body);
  assert.equal(receiver.requests[0]?.headers['idempotency-key'], receiver.requests[1]?.headers['idempotency-key']);
  assert.equal(receiver.delivered.size, 1);
});

test('a 5xx, 429 or 408 answer is a retriable failure naming the status', async () => {
  for (const status of [500, 503, 429, 408]) {
    receiver = await startWebhookReceiver(() => status);
    await assert.rejects(channel(receiver.url).deliver(notification, context()), (error: unknown) => {
      assert.ok(NotificationErrors.is(error, 'WEBHOOK_HTTP_ERROR'));
      assert.equal(error.retriable, true);
      assert.match(error.message, new RegExp(`answered HTTP ${status}`));
      return true;
    });
    await receiver.close();
    receiver = undefined;
  }
});

test('a 4xx or redirect answer is a permanent rejection', async () => {
  for (const status of [400, 401, 404, 410, 302]) {
    receiver = await startWebhookReceiver(() => status);
    await assert.rejects(channel(receiver.url).deliver(notification, context()), (error: unknown) => {
      assert.ok(NotificationErrors.is(error, 'WEBHOOK_REJECTED'), `HTTP ${status}`);
      assert.equal(error.retriable, false);
      return true;
    });
    await receiver.close();
    receiver = undefined;
  }
});

test('a receiver that does not answer in time is a retriable timeout', async () => {
  receiver = await startWebhookReceiver(() => 'hang');
  await assert.rejects(channel(receiver.url, 200).deliver(notification, context()), (error: unknown) => {
    assert.ok(NotificationErrors.is(error, 'WEBHOOK_TIMEOUT'));
    assert.equal(error.retriable, true);
    assert.match(error.message, /did not answer within 200 ms/);
    return true;
  });
  assert.equal(receiver.requests.length, 1);
});

test('credentials in the URL are sent as Basic authentication', async () => {
  receiver = await startWebhookReceiver();
  const url = new URL(receiver.url);
  url.username = 'orders';
  url.password = 'p@ss:word';
  await channel(url.toString()).deliver(notification, context());
  const expected = `Basic ${Buffer.from('orders:p@ss:word').toString('base64')}`;
  assert.equal(receiver.requests[0]?.headers.authorization, expected);
});

test('an unreachable receiver is a retriable failure, and URL credentials stay out of the message', async () => {
  receiver = await startWebhookReceiver();
  const url = new URL(receiver.url);
  await receiver.close();
  receiver = undefined;
  url.username = 'user';
  url.password = 'hunter2';
  await assert.rejects(channel(url.toString()).deliver(notification, context()), (error: unknown) => {
    assert.ok(NotificationErrors.is(error, 'WEBHOOK_UNREACHABLE'));
    assert.equal(error.retriable, true);
    assert.match(error.message, /ECONNREFUSED/);
    assert.doesNotMatch(error.message, /hunter2/);
    return true;
  });
});
