// `orderflow order` against a small fake order-service: the request it sends, the steps it prints, and its exit
// status for each outcome (confirmed, rejected, refused with a problem, never decided).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type TestContext, test } from 'node:test';
import { freePort } from '../src/load/embedded-stack.ts';
import { runCli } from './cli-process.ts';

interface FakeOrder {
  orderId: string;
  productId: string;
  quantity: number;
  customerId?: string;
  status: string;
  reason?: string;
  history: { status: string; at: string; reason?: string }[];
}

/**
 * Answers POST /orders with 202 PENDING, then the first GET with PENDING and later ones with the outcome: REJECTED
 * for product LOW, PENDING forever for product SLOW, CONFIRMED otherwise. Product GONE is refused with a problem.
 */
async function startFakeOrderService(t: TestContext) {
  const received: unknown[] = [];
  const orders = new Map<string, { order: FakeOrder; polls: number }>();
  const json = (response: ServerResponse, status: number, body: unknown, type = 'application/json') => {
    response.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
  };
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    if (request.method === 'POST' && request.url === '/orders') {
      const body = JSON.parse(text) as Omit<FakeOrder, 'status' | 'history'> & { orderId?: string };
      received.push(body);
      if (body.productId === 'GONE') {
        json(
          response,
          409,
          {
            type: 'urn:orderflow:problem:out-of-stock',
            title: 'Product out of stock',
            status: 409,
            detail: 'GONE has 0 units available',
            code: 'OUT_OF_STOCK',
          },
          'application/problem+json',
        );
        return;
      }
      const at = new Date().toISOString();
      const order: FakeOrder = { ...body, orderId: body.orderId ?? 'generated-1', status: 'PENDING', history: [] };
      order.history.push({ status: 'PENDING', at });
      orders.set(order.orderId, { order, polls: 0 });
      response.setHeader('location', `/orders/${order.orderId}`);
      json(response, 202, order);
      return;
    }
    const match = /^\/orders\/([^/]+)$/.exec(request.url ?? '');
    const entry = match && request.method === 'GET' ? orders.get(decodeURIComponent(match[1])) : undefined;
    if (entry === undefined) {
      json(response, 404, { code: 'ORDER_NOT_FOUND', title: 'Order not found', status: 404 });
      return;
    }
    entry.polls++;
    const { order } = entry;
    if (entry.polls >= 2 && order.status === 'PENDING' && order.productId !== 'SLOW') {
      const rejected = order.productId === 'LOW';
      order.status = rejected ? 'REJECTED' : 'CONFIRMED';
      if (rejected) order.reason = 'insufficient stock: 1 available';
      order.history.push({ status: order.status, at: new Date().toISOString(), reason: order.reason });
    }
    json(response, 200, order);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return { target: `http://127.0.0.1:${port}`, received };
}

test('a confirmed order: sends the order, prints each step, exits 0', async (t) => {
  const fake = await startFakeOrderService(t);
  const result = await runCli([
    'order',
    '--product',
    'A001',
    '--quantity',
    '2',
    '--order-id',
    'o-1',
    '--customer',
    'c-7',
    '--target',
    fake.target,
  ]);
  assert.equal(result.code, 0, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.deepEqual(fake.received, [{ orderId: 'o-1', productId: 'A001', quantity: 2, customerId: 'c-7' }]);
  assert.match(result.stdout, /^POST http:\/\/127\.0\.0\.1:\d+\/orders /m);
  assert.match(result.stdout, /^202 Accepted: order o-1 is PENDING$/m);
  assert.match(result.stdout, /^ {2}PENDING +\S+Z$/m);
  assert.match(result.stdout, /^ {2}CONFIRMED +\S+Z$/m);
  assert.match(result.stdout, /^order o-1 CONFIRMED after [\d.]+ s$/m);
});

test('without --order-id the id order-service made up is followed', async (t) => {
  const fake = await startFakeOrderService(t);
  const result = await runCli(['order', '--product', 'A001', '--quantity', '1', '--target', `${fake.target}/`]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(fake.received, [{ productId: 'A001', quantity: 1 }]);
  assert.match(result.stdout, /^order generated-1 CONFIRMED/m);
});

test('a rejected order prints the reason and exits 1', async (t) => {
  const fake = await startFakeOrderService(t);
  const result = await runCli(['order', '--product', 'LOW', '--quantity', '5', '--target', fake.target]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /^ {2}REJECTED +\S+Z {2}insufficient stock: 1 available$/m);
  assert.match(result.stdout, /^order generated-1 REJECTED after [\d.]+ s: insufficient stock: 1 available$/m);
});

test('a problem response is printed with its status and code, exit 1', async (t) => {
  const fake = await startFakeOrderService(t);
  const result = await runCli(['order', '--product', 'GONE', '--quantity', '1', '--target', fake.target]);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stderr.trim(), '409 Conflict OUT_OF_STOCK: Product out of stock (GONE has 0 units available)');
});

test('an order still pending at --timeout exits 1 saying so', async (t) => {
  const fake = await startFakeOrderService(t);
  const result = await runCli([
    'order',
    '--product',
    'SLOW',
    '--quantity',
    '1',
    '--timeout',
    '1s',
    '--target',
    fake.target,
  ]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /^order generated-1 still PENDING after 1 s \(--timeout\)$/m);
});

test('an order-service that is not there is one clear line, exit 1', async () => {
  const target = `http://127.0.0.1:${await freePort()}`;
  const result = await runCli(['order', '--product', 'A001', '--quantity', '1', '--target', target]);
  assert.equal(result.code, 1);
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
  assert.ok(
    result.stderr.startsWith(`orderflow: cannot reach order-service at ${target}/orders: connect ECONNREFUSED`),
    result.stderr,
  );
});
