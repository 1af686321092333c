// The console's server against a scripted Kafka (KafkaSource) and fake services on one real HTTP server: what the
// page receives on GET /events, and what its two actions answer. The Kafka side against a real broker is tested
// with the `orderflow console` command in packages/cli/test/console-command.test.ts.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type TestContext, test } from 'node:test';
import { EventTypes } from '@orderflow/contracts';
import pino from 'pino';
import type { DeadLetterRedrive } from '../src/api-routes.ts';
import { buildConsoleApp } from '../src/console-app.ts';
import type { ConsumerGroupView, RedriveResult } from '../src/console-state.ts';
import type { KafkaSource, SourceRecord, TopicPartitionOffsets } from '../src/kafka-source.ts';
import type { ServiceEndpoints } from '../src/service-endpoints.ts';
import { openEventStream } from './event-stream-client.ts';

const WAIT_MS = 10_000;
const silent = pino({ level: 'silent' });

function group(name: string, committed: number | null, latest: number, members = 1): ConsumerGroupView {
  const lag = committed === null ? null : latest - committed;
  return {
    group: name,
    state: members > 0 ? 'Stable' : 'Empty',
    members: Array.from({ length: members }, (_, i) => ({
      id: `${name}-${i}`,
      clientId: name,
      host: '/127.0.0.1',
      assignments: [{ topic: 'order-topic', partitions: [0] }],
    })),
    lag: lag ?? 0,
    partitions: [
      { topic: 'order-topic', partition: 0, committed, latest, lag, member: members > 0 ? `${name}-0` : null },
    ],
  };
}

/** A Kafka whose answers the test sets. */
class ScriptedKafka implements KafkaSource {
  readonly brokers = '127.0.0.1:9';
  groupViews: ConsumerGroupView[] = [];
  offsets: TopicPartitionOffsets[] = [];
  topicRecords = new Map<string, SourceRecord[]>();
  failure: string | undefined;
  async groups() {
    if (this.failure !== undefined) throw new Error(this.failure);
    return this.groupViews;
  }
  async read() {
    return { groups: await this.groups(), offsets: this.offsets };
  }
  async records(topic: string, partition: number, from: number, to: number) {
    return (this.topicRecords.get(topic) ?? []).filter(
      (r) => r.partition === partition && r.offset >= from && r.offset < to,
    );
  }
}

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

/** The four services under one server, each behind a path prefix: http://127.0.0.1:<port>/<service>. */
async function fakeServices(t: TestContext, handlers: Record<string, Handler>) {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const handler = handlers[`${request.method} ${request.url}`];
      if (handler !== undefined) return handler(request, body, response);
      if (request.url?.endsWith('/health/ready')) return json(response, 200, { status: 'ready', checks: {} });
      json(response, 404, { code: 'NOT_FOUND' });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const endpoints: ServiceEndpoints = {
    'order-service': `${base}/order`,
    'stock-service': `${base}/stock`,
    'notification-service': `${base}/notification`,
    'analytics-service': `${base}/analytics`,
  };
  return endpoints;
}

function json(response: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  response.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
}

async function startConsole(
  t: TestContext,
  kafka: KafkaSource,
  services: ServiceEndpoints,
  redrive?: DeadLetterRedrive,
) {
  const { app } = buildConsoleApp({
    log: silent,
    kafka,
    services,
    pollIntervalMs: 50,
    pageDir: '/nonexistent-console-page',
    ...(redrive === undefined ? {} : { redrive }),
  });
  t.after(() => app.close());
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url };
}

test('GET /events sends a snapshot first, then deltas as a group falls behind', async (t) => {
  const kafka = new ScriptedKafka();
  kafka.groupViews = [group('stock-service', 5, 5)];
  const { url } = await startConsole(t, kafka, await fakeServices(t, {}));
  const stream = await openEventStream(`${url}/events`);
  t.after(() => stream.close());
  assert.match(stream.contentType ?? '', /^text\/event-stream/);

  await stream.until((s) => s.groups.length === 1, WAIT_MS, 'the snapshot');
  kafka.groupViews = [group('stock-service', 5, 12, 0)];
  const behind = await stream.until((s) => s.groups[0].lag === 7, WAIT_MS, 'lag 7');
  assert.equal(behind.groups[0].state, 'Empty');
  assert.deepEqual(behind.groups[0].members, []);
  const history = await stream.until(
    (s) => (s.lagHistory['stock-service'] ?? []).some((sample) => sample.lag === 7),
    WAIT_MS,
    'a lag sample of 7',
  );
  assert.equal(history.lagHistory['stock-service'][0].lag, 0, 'the history starts before the group fell behind');
  assert.equal(stream.events[0].event, 'snapshot');
  assert.ok(stream.events.length >= 2 && stream.events.slice(1).every((e) => e.event === 'delta'));
});

test('a second page gets its own snapshot of the current state, and Kafka going away is reported', async (t) => {
  const kafka = new ScriptedKafka();
  kafka.groupViews = [group('order-service', 1, 3)];
  const { url } = await startConsole(t, kafka, await fakeServices(t, {}));
  const first = await openEventStream(`${url}/events`);
  t.after(() => first.close());
  await first.until((s) => s.groups.length === 1, WAIT_MS, 'first snapshot');
  const second = await openEventStream(`${url}/events`);
  t.after(() => second.close());
  await second.until((s) => s.groups[0]?.lag === 2, WAIT_MS, 'second snapshot');
  assert.equal(second.events[0].event, 'snapshot');

  kafka.failure = 'Cannot connect to any broker.';
  const down = await second.until((s) => !s.kafka.reachable, WAIT_MS, 'Kafka unreachable');
  assert.equal(down.kafka.error, 'Cannot connect to any broker.');
});

test('health: a service that does not answer is not live, one answering 503 is live but not ready', async (t) => {
  const services = await fakeServices(t, {
    'GET /notification/health/ready': (_q, _b, response) =>
      json(response, 503, { status: 'not-ready', checks: { consumer: { status: 'down', detail: 'not assigned' } } }),
  });
  const closed = createServer().listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const deadUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
  await new Promise((resolve) => closed.close(resolve));
  const { url } = await startConsole(t, new ScriptedKafka(), { ...services, 'analytics-service': deadUrl });
  const stream = await openEventStream(`${url}/events`);
  t.after(() => stream.close());
  const state = await stream.until((s) => s.topology.services.length === 4, WAIT_MS, 'the services');
  const byName = Object.fromEntries(state.topology.services.map((s) => [s.name, s]));
  assert.deepEqual([byName['order-service'].live, byName['order-service'].ready], [true, true]);
  assert.deepEqual([byName['notification-service'].live, byName['notification-service'].ready], [true, false]);
  assert.equal(byName['notification-service'].checks.consumer.status, 'down');
  assert.deepEqual([byName['analytics-service'].live, byName['analytics-service'].ready], [false, false]);
  assert.match(byName['analytics-service'].error ?? '', /ECONNREFUSED/);
  assert.equal(state.analytics, null, 'no totals from a service that does not answer');
});

test('orders show which groups have processed their order-created record; dead letters their reasons', async (t) => {
  const order = (orderId: string, status: string) => ({
    orderId,
    productId: 'A001',
    quantity: 1,
    status,
    createdAt: '2026-12-06T10:00:00.000Z',
    updatedAt: '2026-12-06T10:00:00.000Z',
    history: [],
  });
  const services = await fakeServices(t, {
    'GET /order/orders?limit=50': (_q, _b, r) =>
      json(r, 200, { orders: [order('o2', 'PENDING'), order('o1', 'CONFIRMED')] }),
    'GET /stock/stock': (_q, _b, r) =>
      json(r, 200, {
        products: [
          { productId: 'B1', available: 3 },
          { productId: 'A1', available: 0 },
        ],
      }),
  });
  const created = (orderId: string, offset: number): SourceRecord => ({
    partition: 0,
    offset,
    key: orderId,
    headers: {},
    value: JSON.stringify({ type: EventTypes.orderCreated, data: { orderId } }),
  });
  const kafka = new ScriptedKafka();
  kafka.offsets = [
    { topic: 'order-topic', partition: 0, earliest: 0, latest: 2 },
    { topic: 'order-topic.stock-service.dlq', partition: 0, earliest: 0, latest: 1 },
  ];
  kafka.topicRecords.set('order-topic', [created('o1', 0), created('o2', 1)]);
  kafka.topicRecords.set('order-topic.stock-service.dlq', [
    {
      partition: 0,
      offset: 0,
      key: 'poison',
      headers: {
        'dlq-error-code': 'EVENT_MALFORMED_JSON',
        'dlq-error-reason': 'not UTF-8 JSON',
        'dlq-failed-at': '2026-12-06T10:00:01.000Z',
      },
      value: 'not json',
    },
  ]);
  kafka.groupViews = [
    group('stock-service', 2, 2),
    group('notification-service', 1, 2),
    group('analytics-service', null, 2),
  ];
  const { url } = await startConsole(t, kafka, services);
  const stream = await openEventStream(`${url}/events`);
  t.after(() => stream.close());
  const state = await stream.until(
    (s) => s.orders.length === 2 && s.orders[0].processedBy.length > 0,
    WAIT_MS,
    'orders',
  );
  const processed = (orderId: string) =>
    Object.fromEntries(state.orders.find((o) => o.orderId === orderId)!.processedBy.map((p) => [p.group, p.processed]));
  assert.deepEqual(processed('o1'), {
    'analytics-service': false,
    'notification-service': true,
    'stock-service': true,
  });
  assert.deepEqual(processed('o2'), {
    'analytics-service': false,
    'notification-service': false,
    'stock-service': true,
  });
  assert.deepEqual(
    state.stock.map((p) => p.productId),
    ['A1', 'B1'],
  );
  assert.deepEqual(state.deadLetters, [
    {
      topic: 'order-topic.stock-service.dlq',
      sourceTopic: 'order-topic',
      group: 'stock-service',
      count: 1,
      latest: [
        {
          partition: 0,
          offset: 0,
          key: 'poison',
          errorCode: 'EVENT_MALFORMED_JSON',
          reason: 'not UTF-8 JSON',
          failedAt: '2026-12-06T10:00:01.000Z',
        },
      ],
    },
  ]);
  const produce = state.topology.arrows.find((a) => a.from === 'order-service' && a.to === 'order-topic');
  assert.equal(produce?.kind, 'produce');
});

test('POST /api/orders passes the order to order-service and its answer back', async (t) => {
  const received: string[] = [];
  const services = await fakeServices(t, {
    'POST /order/orders': (_q, body, r) => {
      received.push(body);
      json(r, 202, { orderId: 'o9', status: 'PENDING' });
    },
  });
  const { app } = await startConsole(t, new ScriptedKafka(), services);
  const response = await app.inject({
    method: 'POST',
    url: '/api/orders',
    payload: { productId: 'A001', quantity: 2 },
  });
  assert.equal(response.statusCode, 202);
  assert.deepEqual(response.json(), { orderId: 'o9', status: 'PENDING' });
  assert.deepEqual(
    received.map((b) => JSON.parse(b)),
    [{ productId: 'A001', quantity: 2 }],
  );
});

test('bad input gets application/problem+json: the console refuses a wrong shape, order-service its own rules', async (t) => {
  const orderProblem = {
    type: 'about:blank',
    title: 'Request validation failed',
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: 'quantity must be >= 1',
  };
  let calls = 0;
  const services = await fakeServices(t, {
    'POST /order/orders': (_q, _b, r) => {
      calls++;
      json(r, 400, orderProblem, 'application/problem+json; charset=utf-8');
    },
  });
  const { app } = await startConsole(t, new ScriptedKafka(), services);
  for (const payload of [
    { productId: 'A001', quantity: 'two' },
    { productId: 'A001' },
    { productId: 'A001', quantity: 1, colour: 'red' },
  ]) {
    const response = await app.inject({ method: 'POST', url: '/api/orders', payload });
    assert.equal(response.statusCode, 400, JSON.stringify(payload));
    assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
    assert.equal(response.json().code, 'VALIDATION_FAILED');
  }
  assert.equal(calls, 0, 'a body of the wrong shape never reaches order-service');

  const passed = await app.inject({ method: 'POST', url: '/api/orders', payload: { productId: 'A001', quantity: 0 } });
  assert.equal(passed.statusCode, 400);
  assert.match(passed.headers['content-type'] as string, /^application\/problem\+json/);
  assert.deepEqual(passed.json(), orderProblem);

  const notJson = await app.inject({
    method: 'POST',
    url: '/api/orders',
    headers: { 'content-type': 'application/json' },
    payload: '{',
  });
  assert.equal(notJson.statusCode, 400);
  assert.equal(notJson.json().code, 'MALFORMED_JSON');
});

test('POST /api/orders while order-service is down answers 502 ORDER_SERVICE_UNAVAILABLE naming the cause', async (t) => {
  const closed = createServer().listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const deadUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
  await new Promise((resolve) => closed.close(resolve));
  const services = await fakeServices(t, {});
  const { app } = await startConsole(t, new ScriptedKafka(), { ...services, 'order-service': deadUrl });
  const response = await app.inject({
    method: 'POST',
    url: '/api/orders',
    payload: { productId: 'A001', quantity: 1 },
  });
  assert.equal(response.statusCode, 502);
  assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
  assert.equal(response.json().code, 'ORDER_SERVICE_UNAVAILABLE');
  assert.match(response.json().detail, /ECONNREFUSED/);
});

test('redrive: the dry run and the execution reach the dlq code; a topic that is not a dead-letter topic is a 400', async (t) => {
  const calls: [string, boolean][] = [];
  const redrive: DeadLetterRedrive = {
    async redrive(topic, dryRun): Promise<RedriveResult> {
      calls.push([topic, dryRun]);
      return { topic, dryRun, records: 2, target: 'order-topic' };
    },
  };
  const { app } = await startConsole(t, new ScriptedKafka(), await fakeServices(t, {}), redrive);
  const topic = 'order-topic.stock-service.dlq';
  const dry = await app.inject({
    method: 'POST',
    url: `/api/dead-letters/${topic}/redrive`,
    payload: { dryRun: true },
  });
  assert.equal(dry.statusCode, 200);
  assert.deepEqual(dry.json(), { topic, dryRun: true, records: 2, target: 'order-topic' });
  await app.inject({ method: 'POST', url: `/api/dead-letters/${topic}/redrive`, payload: { dryRun: false } });
  assert.deepEqual(calls, [
    [topic, true],
    [topic, false],
  ]);

  const wrong = await app.inject({
    method: 'POST',
    url: '/api/dead-letters/order-topic/redrive',
    payload: { dryRun: true },
  });
  assert.equal(wrong.statusCode, 400);
  assert.match(wrong.json().detail, /not a dead-letter topic/);
  const noBody = await app.inject({ method: 'POST', url: `/api/dead-letters/${topic}/redrive`, payload: {} });
  assert.equal(noBody.statusCode, 400);
  assert.equal(noBody.json().code, 'VALIDATION_FAILED');
  assert.equal(calls.length, 2);
});
