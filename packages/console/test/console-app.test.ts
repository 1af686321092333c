// The console's server against a scripted Kafka (KafkaSource) and fake services on one real HTTP server: what the
// page receives on GET /events, and what its two actions answer. The Kafka side against a real broker is tested
// with the `orderflow console` command in packages/cli/test/console-command.test.ts.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type TestContext, test } from 'node:test';
import pino from 'pino';
import type { DeadLetterRedrive } from '../src/api-routes.ts';
import { buildConsoleApp } from '../src/console-app.ts';
import type { ConsumerGroupView, RedriveResult } from '../src/console-state.ts';
import type { KafkaSource, SourceRecord, TopicPartitionOffsets, TracedOrder } from '../src/kafka-source.ts';
import type { ServiceEndpoints } from '../src/service-endpoints.ts';
import { type EventStreamClient, openEventStream } from './event-stream-client.ts';

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
  /** What `orderflow trace` would find per order id. */
  traces = new Map<string, TracedOrder>();
  traceCalls: { orderIds: readonly string[]; since: string | undefined }[] = [];
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
  async traceOrders(orderIds: readonly string[], since: Date | undefined) {
    this.traceCalls.push({ orderIds, since: since?.toISOString() });
    return orderIds.map((orderId) => this.traces.get(orderId) ?? { orderId, events: [] });
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

/** Opens a page's event stream on the console at `url`, closed when the test ends. */
async function watchEvents(t: TestContext, url: string): Promise<EventStreamClient> {
  const stream = await openEventStream(`${url}/events`);
  t.after(() => stream.close());
  return stream;
}

/** The URL of a port nothing listens on (it was bound and released), for a service that is down. */
async function deadServiceUrl(): Promise<string> {
  const closed = createServer().listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const url = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
  await new Promise((resolve) => closed.close(resolve));
  return url;
}

test('GET /events sends a snapshot first, then deltas as a group falls behind', async (t) => {
  const kafka = new ScriptedKafka();
  kafka.groupViews = [group('stock-service', 5, 5)];
  const { url } = await startConsole(t, kafka, await fakeServices(t, {}));
  const stream = await watchEvents(t, url);
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
  const first = await watchEvents(t, url);
  await first.until((s) => s.groups.length === 1, WAIT_MS, 'first snapshot');
  const second = await watchEvents(t, url);
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
  const deadUrl = await deadServiceUrl();
  const { url } = await startConsole(t, new ScriptedKafka(), { ...services, 'analytics-service': deadUrl });
  const stream = await watchEvents(t, url);
  const state = await stream.until((s) => s.topology.services.length === 4, WAIT_MS, 'the services');
  const byName = Object.fromEntries(state.topology.services.map((s) => [s.name, s]));
  assert.deepEqual([byName['order-service'].live, byName['order-service'].ready], [true, true]);
  assert.deepEqual([byName['notification-service'].live, byName['notification-service'].ready], [true, false]);
  assert.equal(byName['notification-service'].checks.consumer.status, 'down');
  assert.deepEqual([byName['analytics-service'].live, byName['analytics-service'].ready], [false, false]);
  assert.match(byName['analytics-service'].error ?? '', /ECONNREFUSED/);
  assert.equal(state.analytics, null, 'no totals from a service that does not answer');
});

test('orders show how far each group got with their events, from the trace code; dead letters their reasons', async (t) => {
  const order = (orderId: string, status: string) => ({
    orderId,
    productId: 'A001',
    quantity: 1,
    status,
    createdAt: orderId === 'o1' ? '2026-12-06T10:00:00.000Z' : '2026-12-06T10:00:05.000Z',
    updatedAt: '2026-12-06T10:00:06.000Z',
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
  const event = (offset: number, topic: string, groups: TracedOrder['events'][number]['groups']) => ({
    topic,
    partition: 0,
    offset,
    type: null,
    groups,
  });
  const kafka = new ScriptedKafka();
  kafka.offsets = [
    { topic: 'order-topic', partition: 0, earliest: 0, latest: 2 },
    { topic: 'order-topic.stock-service.dlq', partition: 0, earliest: 0, latest: 1 },
  ];
  kafka.traces.set('o1', {
    orderId: 'o1',
    events: [
      event(0, 'order-topic', { 'stock-service': 'processed', 'notification-service': 'processed' }),
      event(0, 'stock-topic', { 'order-service': 'processed', 'notification-service': 'pending' }),
    ],
  });
  kafka.traces.set('o2', {
    orderId: 'o2',
    events: [event(1, 'order-topic', { 'stock-service': 'dead-lettered', 'notification-service': 'processed' })],
  });
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
  kafka.groupViews = [group('stock-service', 2, 2), group('notification-service', 1, 2)];
  const { url } = await startConsole(t, kafka, services);
  const stream = await watchEvents(t, url);
  const state = await stream.until((s) => s.orders.length === 2 && s.orders[0].fanOut.length > 0, WAIT_MS, 'orders');
  const fanOut = (orderId: string) =>
    Object.fromEntries(state.orders.find((o) => o.orderId === orderId)!.fanOut.map((p) => [p.group, p.progress]));
  assert.deepEqual(fanOut('o1'), {
    'notification-service': 'pending',
    'order-service': 'processed',
    'stock-service': 'processed',
  });
  assert.deepEqual(fanOut('o2'), { 'notification-service': 'processed', 'stock-service': 'dead-lettered' });
  assert.deepEqual(kafka.traceCalls[0], { orderIds: ['o2', 'o1'], since: '2026-12-06T10:00:00.000Z' });
  const calls = kafka.traceCalls.length;
  await stream.until((s) => Date.parse(s.at) > Date.parse(state.at) + 200, WAIT_MS, 'more polls');
  assert.equal(kafka.traceCalls.length, calls, 'nothing moved, so the orders were not traced again');
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

test('GET /api/orders/:orderId finds an order beyond the latest with its trace; an unknown one is order-service 404', async (t) => {
  const old = {
    orderId: 'o-old',
    productId: 'A001',
    quantity: 3,
    status: 'CONFIRMED',
    createdAt: '2026-12-01T09:00:00.000Z',
    updatedAt: '2026-12-01T09:00:01.000Z',
    history: [{ status: 'PENDING' }],
  };
  const services = await fakeServices(t, {
    'GET /order/orders/o-old': (_q, _b, r) => json(r, 200, old),
    'GET /order/orders/nope': (_q, _b, r) =>
      json(
        r,
        404,
        { status: 404, code: 'ORDER_NOT_FOUND', detail: 'No order with id nope' },
        'application/problem+json',
      ),
  });
  const kafka = new ScriptedKafka();
  kafka.traces.set('o-old', {
    orderId: 'o-old',
    events: [{ topic: 'order-topic', partition: 2, offset: 7, type: null, groups: { 'stock-service': 'processed' } }],
  });
  const { app } = await startConsole(t, kafka, services);
  const found = await app.inject({ method: 'GET', url: '/api/orders/o-old' });
  assert.equal(found.statusCode, 200);
  const { history: _history, ...shown } = old;
  assert.deepEqual(found.json(), { ...shown, fanOut: [{ group: 'stock-service', progress: 'processed' }] });
  assert.ok(kafka.traceCalls.some((call) => call.orderIds.join() === 'o-old' && call.since === old.createdAt));

  const missing = await app.inject({ method: 'GET', url: '/api/orders/nope' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().code, 'ORDER_NOT_FOUND');
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
  const deadUrl = await deadServiceUrl();
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
