import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import Type from 'typebox';
import {
  createHttpApp,
  createLogger,
  createMetrics,
  createReadiness,
  defineErrors,
  type HttpApp,
  type Readiness,
} from '../src/index.ts';
import { assertProblem } from '../src/testing/index.ts';

interface TestApp {
  readonly app: HttpApp;
  readonly readiness: Readiness;
  readonly lines: Record<string, unknown>[];
}

const OrderErrors = defineErrors({
  OUT_OF_STOCK: { status: 409, title: 'Out of stock', retriable: false },
  BUSY: { status: 503, title: 'Busy', retriable: true },
});

function buildTestApp(): TestApp {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const log = createLogger({ name: 'test-service', level: 'info', destination });
  const readiness = createReadiness();
  const app = createHttpApp({ log, name: 'test-service', readiness, metrics: createMetrics({ service: 'test' }) });
  app.post(
    '/orders',
    {
      schema: {
        body: Type.Object(
          {
            productId: Type.String({ minLength: 1 }),
            quantity: Type.Integer({ minimum: 1 }),
            channel: Type.Optional(Type.Union([Type.Literal('web'), Type.Literal('app')])),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) =>
      reply.code(201).send({ productId: request.body.productId, quantity: request.body.quantity }),
  );
  app.get('/orders/:id', async (request) => {
    const { id } = request.params as { id: string };
    if (id === 'busy') throw OrderErrors.create('BUSY', 'Try again shortly', { retryAfterSeconds: 3 });
    throw OrderErrors.create('OUT_OF_STOCK', `Order ${id} cannot be filled`);
  });
  app.get('/boom', async () => {
    throw new Error('database password is hunter2');
  });
  return { app, readiness, lines };
}

const apps: HttpApp[] = [];
function setup(): TestApp {
  const built = buildTestApp();
  apps.push(built.app);
  return built;
}
after(async () => {
  for (const app of apps) await app.close();
});

describe('createHttpApp', () => {
  const { app, readiness, lines } = setup();

  test('a valid JSON request reaches the handler', async () => {
    const response = await app.inject({ method: 'POST', url: '/orders', payload: { productId: 'p-1', quantity: 2 } });
    assert.equal(response.statusCode, 201);
    assert.deepEqual(response.json(), { productId: 'p-1', quantity: 2 });
  });

  test('a non-JSON body is 415 problem+json', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'content-type': 'text/plain' },
      payload: 'productId=p-1',
    });
    const body = assertProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    assert.match(String(body.detail), /text\/plain/);
  });

  test('a body over 16 KiB is 413 problem+json', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: { productId: 'x'.repeat(17 * 1024), quantity: 1 },
    });
    assertProblem(response, 413, 'PAYLOAD_TOO_LARGE');
  });

  test('malformed JSON is 400 MALFORMED_JSON', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'content-type': 'application/json' },
      payload: '{"productId":',
    });
    assertProblem(response, 400, 'MALFORMED_JSON');
  });

  test('an unknown route is 404 problem+json', async () => {
    const response = await app.inject({ method: 'GET', url: '/nope?x=1' });
    const body = assertProblem(response, 404, 'NOT_FOUND');
    assert.equal(body.instance, '/nope');
  });

  test('a URL the router cannot decode is 400 MALFORMED_URL problem+json with a request id', async () => {
    const response = await app.inject({ method: 'GET', url: '/orders/%00%ff' });
    const body = assertProblem(response, 400, 'MALFORMED_URL');
    assert.equal(body.instance, '/orders/%00%ff');
    assert.equal(response.headers['x-request-id'], body.requestId);
  });

  test('a path parameter over the length limit is 414 URI_TOO_LONG problem+json', async () => {
    const response = await app.inject({ method: 'GET', url: `/orders/${'a'.repeat(200)}` });
    assertProblem(response, 414, 'URI_TOO_LONG');
  });

  test('a validation failure lists each field with its path', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: { quantity: 0, channel: 'fax', coupon: 'FREE' },
    });
    const body = assertProblem(response, 400, 'VALIDATION_FAILED');
    const errors = body.errors as { location: string; pointer: string; message: string }[];
    const pointers = errors.map((e) => e.pointer).sort();
    assert.deepEqual(pointers, ['/channel', '/coupon', '/productId', '/quantity']);
    assert.ok(errors.every((e) => e.location === 'body' && e.message.length > 0));
    assert.match(String(body.detail), /body\/quantity/);
    assert.equal(errors.find((e) => e.pointer === '/channel')?.message, 'must be one of "web", "app"');
    assert.equal(errors.find((e) => e.pointer === '/productId')?.message, 'is required');
  });

  test('an AppError from a handler keeps its status and code', async () => {
    const response = await app.inject({ method: 'GET', url: '/orders/o-9' });
    const body = assertProblem(response, 409, 'OUT_OF_STOCK');
    assert.equal(body.detail, 'Order o-9 cannot be filled');
    assert.equal(response.headers['retry-after'], undefined);
  });

  test('Retry-After is set when the error carries retryAfterSeconds', async () => {
    const response = await app.inject({ method: 'GET', url: '/orders/busy' });
    assertProblem(response, 503, 'BUSY');
    assert.equal(response.headers['retry-after'], '3');
  });

  test('an unexpected error is 500 INTERNAL without leaking its message, and is logged', async () => {
    const response = await app.inject({ method: 'GET', url: '/boom', headers: { 'x-request-id': 'boom-1' } });
    const body = assertProblem(response, 500, 'INTERNAL');
    assert.doesNotMatch(JSON.stringify(body), /hunter2/);
    const logged = lines.find((l) => l.msg === 'request failed' && l.requestId === 'boom-1');
    assert.ok(logged, 'the failure is logged with the request id');
    assert.match(JSON.stringify(logged.err), /hunter2/);
  });

  test('a request id is accepted and echoed back, or generated', async () => {
    const given = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'abc-123' } });
    assert.equal(given.headers['x-request-id'], 'abc-123');
    const generated = await app.inject({ method: 'GET', url: '/health/live' });
    assert.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const unsafe = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'a b\nc' } });
    assert.match(String(unsafe.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const problem = await app.inject({ method: 'GET', url: '/missing', headers: { 'x-request-id': 'lost-1' } });
    assert.equal(problem.headers['x-request-id'], 'lost-1');
    assert.equal(problem.json().requestId, 'lost-1');
  });

  test('liveness answers 200', async () => {
    const response = await app.inject({ method: 'GET', url: '/health/live' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: 'ok', service: 'test-service' });
  });

  test('readiness is 200 while every check is up and 503 when one fails', async () => {
    readiness.register('store', async () => {});
    readiness.register('kafka', () => true);
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready', checks: { store: { status: 'up' }, kafka: { status: 'up' } } });

    readiness.register('kafka', async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:9092');
    });
    readiness.register('consumers-assigned', () => ({ ok: false, detail: 'no partitions assigned' }));
    const notReady = await app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(notReady.statusCode, 503);
    assert.deepEqual(notReady.json(), {
      status: 'not-ready',
      checks: {
        store: { status: 'up' },
        kafka: { status: 'down', detail: 'connect ECONNREFUSED 127.0.0.1:9092' },
        'consumers-assigned': { status: 'down', detail: 'no partitions assigned' },
      },
    });
  });

  test('/metrics exposes the request duration histogram by route, method and status', async () => {
    await app.inject({ method: 'POST', url: '/orders', payload: { productId: 'p-1', quantity: 1 } });
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain/);
    const count = response.body
      .split('\n')
      .find(
        (line) =>
          line.startsWith('http_request_duration_seconds_count{') &&
          ['method="POST"', 'route="/orders"', 'status_code="201"', 'service="test"'].every((l) => line.includes(l)),
      );
    assert.ok(count, 'a series for POST /orders 201');
    assert.ok(Number(count.split(' ').at(-1)) >= 1);
    assert.match(response.body, /route="unmatched"/);
    assert.match(response.body, /# TYPE orderflow_events_consumed_total counter/);
    assert.match(response.body, /process_cpu_user_seconds_total/);
  });
});

describe('requests Node refuses before routing, on a listening server', () => {
  const { app } = setup();
  let port = 0;
  before(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });

  async function rawExchange(request: string): Promise<{ head: string; body: unknown }> {
    const socket = connect(port, '127.0.0.1');
    socket.end(request);
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const split = text.indexOf('\r\n\r\n');
    return { head: text.slice(0, split), body: JSON.parse(text.slice(split + 4)) };
  }

  test('a request line that is not HTTP is 400 BAD_REQUEST problem+json', async () => {
    const { head, body } = await rawExchange('NOT HTTP AT ALL\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 400 /);
    assert.match(head, /content-type: application\/problem\+json/i);
    assert.equal((body as { code: string }).code, 'BAD_REQUEST');
  });

  test('headers over the limit are 431 HEADERS_TOO_LARGE problem+json', async () => {
    const { head, body } = await rawExchange(
      `GET /health/live HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    assert.match(head, /^HTTP\/1\.1 431 /);
    assert.deepEqual(
      { code: (body as { code: string }).code, status: (body as { status: number }).status },
      { code: 'HEADERS_TOO_LARGE', status: 431 },
    );
  });
});

test('several apps can be built in one process, each with its own registry', async () => {
  const first = setup();
  const second = setup();
  await first.app.inject({ method: 'GET', url: '/health/live' });
  const metrics = await second.app.inject({ method: 'GET', url: '/metrics' });
  assert.doesNotMatch(metrics.body, /route="\/health\/live"/);
});
