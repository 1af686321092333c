import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { EventTypes } from '@orderflow/contracts';
import { createMetrics, type HttpApp, PROBLEM_CONTENT_TYPE } from '@orderflow/platform';
import { buildApp } from '../src/app.ts';
import { type ChannelName, notificationId } from '../src/notification.ts';
import { createNotificationMetrics } from '../src/notification-metrics.ts';
import type { NotificationStore } from '../src/notification-store.ts';
import { assertReadiness, fakeKafkaStatus, silentLog } from '@orderflow/platform/testing';
import { sqliteBackend, type TestStore } from './support/test-backends.ts';

let data: TestStore;
let store: NotificationStore;
let app: HttpApp;
const kafka = fakeKafkaStatus('no broker answers');
const metrics = createMetrics();
const notificationMetrics = createNotificationMetrics(metrics.registry);
const T0 = Date.now();

async function seed(orderId: string, channel: ChannelName, at: number, sent: boolean): Promise<string> {
  const eventId = randomUUID();
  const id = notificationId(eventId, channel);
  await store.startAttempt(
    {
      id,
      eventId,
      eventType: EventTypes.stockReserved,
      orderId,
      channel,
      subject: 'Order confirmed',
      message: `Your order ${orderId} is confirmed: 1 × A001 reserved.`,
    },
    at,
  );
  if (sent) await store.markSent(id, at + 5);
  return id;
}

before(async () => {
  data = sqliteBackend.fresh();
  store = (await data.open()).store;
  app = buildApp({
    log: silentLog,
    store,
    metrics,
    kafka,
  });
  await app.ready();
});

after(async () => {
  await app.close();
  await data.cleanup();
});

test('GET /notifications?orderId lists that order’s notifications newest first with every field', async () => {
  const older = await seed('order-r1', 'log', T0, true);
  await seed('order-other', 'log', T0 + 1, true);
  const newer = await seed('order-r1', 'webhook', T0 + 2, false);

  const response = await app.inject({ method: 'GET', url: '/notifications?orderId=order-r1' });
  assert.equal(response.statusCode, 200);
  const { notifications } = response.json();
  assert.deepEqual(
    notifications.map((n: { id: string }) => n.id),
    [newer, older],
  );
  assert.deepEqual(notifications[1], {
    id: older,
    eventId: older.slice(0, -':log'.length),
    orderId: 'order-r1',
    eventType: EventTypes.stockReserved,
    channel: 'log',
    status: 'SENT',
    attempts: 1,
    subject: 'Order confirmed',
    message: 'Your order order-r1 is confirmed: 1 × A001 reserved.',
    createdAt: new Date(T0).toISOString(),
    sentAt: new Date(T0 + 5).toISOString(),
  });
  assert.equal(notifications[0].status, 'PENDING');
  assert.equal(notifications[0].sentAt, undefined);
});

test('limit defaults to 50 and caps what is returned', async () => {
  for (let i = 0; i < 55; i++) await seed('order-many', 'log', T0 + 100 + i, true);
  const byDefault = await app.inject({ method: 'GET', url: '/notifications?orderId=order-many' });
  assert.equal(byDefault.json().notifications.length, 50);
  const limited = await app.inject({ method: 'GET', url: '/notifications?orderId=order-many&limit=3' });
  assert.equal(limited.json().notifications.length, 3);
  const all = await app.inject({ method: 'GET', url: '/notifications?limit=500' });
  assert.ok(all.json().notifications.length >= 58);
  const unknownOrder = await app.inject({ method: 'GET', url: '/notifications?orderId=nobody' });
  assert.deepEqual(unknownOrder.json(), { notifications: [] });
});

test('bad query parameters are a 400 problem naming the parameter', async () => {
  for (const query of ['limit=0', 'limit=501', 'limit=ten', 'limit=-1', 'orderId=', 'order=order-r1']) {
    const response = await app.inject({ method: 'GET', url: `/notifications?${query}` });
    assert.equal(response.statusCode, 400, query);
    assert.match(String(response.headers['content-type']), new RegExp(`^${PROBLEM_CONTENT_TYPE.replace('+', '\\+')}`));
    const problem = response.json();
    assert.equal(problem.code, 'VALIDATION_FAILED', query);
    assert.equal(problem.status, 400);
    assert.equal(problem.errors[0].location, 'querystring');
    assert.match(problem.errors[0].pointer, /\/(limit|orderId|order)$/, query);
  }
});

test('readiness reports the store, Kafka and the consumer assignment', async () => {
  await assertReadiness(app, { store: 'up', kafka: 'up', consumer: 'up' });

  kafka.assigned = false;
  kafka.up = false;
  try {
    const checks = await assertReadiness(app, { store: 'up', kafka: 'down', consumer: 'down' });
    assert.deepEqual(checks.kafka, { status: 'down', detail: 'no broker answers' });
  } finally {
    kafka.assigned = true;
    kafka.up = true;
  }

  const live = await app.inject({ method: 'GET', url: '/health/live' });
  assert.deepEqual(live.json(), { status: 'ok', service: 'notification-service' });
});

test('/metrics exposes notifications by channel and status', async () => {
  notificationMetrics.notifications.inc({ channel: 'webhook', status: 'failed' });
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  assert.match(response.body, /orderflow_notifications_total\{channel="webhook",status="failed"\} 1/);
});
