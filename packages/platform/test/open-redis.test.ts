import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { createLogger, isAppError, openRedis, openStore, PlatformErrors, redactUrl } from '../src/index.ts';

const log = createLogger({ name: 'open-redis', level: 'silent' });

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

test('an unreachable Redis fails fast with STORE_UNAVAILABLE and no password in the message', async () => {
  const url = `redis://user:topsecret@127.0.0.1:${await closedPort()}`;
  await assert.rejects(openRedis(url, { log }), (error: unknown) => {
    assert.ok(PlatformErrors.is(error, 'STORE_UNAVAILABLE'));
    assert.equal(error.status, 503);
    assert.equal(error.retriable, true);
    assert.doesNotMatch(error.message, /topsecret/);
    return true;
  });
});

test('commands on a lost connection become STORE_UNAVAILABLE, and ping reports it', async () => {
  const store = await openStore(
    { REDIS_URL: 'redis://127.0.0.1:6379', ORDERFLOW_DATA_DIR: '.unused' },
    { log, namespace: 'open-redis-test' },
  );
  await store.ping();
  assert.equal(store.backend.kind, 'redis');
  if (store.backend.kind === 'redis') store.backend.redis.disconnect();
  await assert.rejects(store.ping(), (error: unknown) => isAppError(error) && error.code === 'STORE_UNAVAILABLE');
  await assert.rejects(
    store.locks.acquire('k', 1000),
    (error: unknown) => isAppError(error) && error.code === 'STORE_UNAVAILABLE',
  );
  await store.close();
});

test('redactUrl hides only the password', () => {
  assert.equal(redactUrl('redis://app:pw@redis:6379/2'), 'redis://app:***@redis:6379/2');
  assert.equal(redactUrl('redis://redis:6379'), 'redis://redis:6379');
});
