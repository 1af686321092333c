import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { mainProcessFixture } from '@orderflow/platform/testing';

// main.ts as a process: configuration from the environment, serving, joining the group, and the graceful exit on
// SIGTERM that an orchestrator relies on.

const main = mainProcessFixture(new URL('../src/main.ts', import.meta.url), 'order-main');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

test('main serves orders once ready and exits 0 on SIGTERM', { timeout: 60_000 }, async () => {
  const service = main.start();
  try {
    const base = await service.ready();
    const response = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"orderId":"1","productId":"A001","quantity":2}',
    });
    assert.equal(response.status, 202);
    assert.equal(response.headers.get('location'), '/orders/1');
    const fetched = await fetch(`${base}/orders/1`);
    assert.equal(((await fetched.json()) as { status: string }).status, 'PENDING');
  } finally {
    void service.stop();
  }
  assert.equal(await service.exited, 0, service.output());
  assert.match(service.output(), /"msg":"stopped"/);
});

test('main refuses a bad setting with a one-line message and exit code 1', { timeout: 30_000 }, async () => {
  const service = main.start({ IDEMPOTENCY_TTL: 'forever' });
  assert.equal(await service.exited, 1);
  assert.match(service.output(), /^order-service: IDEMPOTENCY_TTL="forever" is invalid; expected a duration/);
});

test('main refuses REDIS_URL and REDIS_CLUSTER_NODES together at start, naming both', { timeout: 30_000 }, async () => {
  const service = main.start({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '127.0.0.1:7000' });
  assert.equal(await service.exited, 1);
  assert.match(
    service.output(),
    /^order-service: REDIS_URL and REDIS_CLUSTER_NODES are both set; set only one of them/,
  );
});

test('main exits 1 with the reason when the store cannot be reached', { timeout: 30_000 }, async () => {
  const service = main.start({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
  assert.equal(await service.exited, 1);
  assert.match(service.output(), /"level":"fatal".*"msg":"store could not be opened"/);
});
