import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createReadiness } from '../src/index.ts';

test('no checks means ready', async () => {
  assert.deepEqual(await createReadiness().run(), { ready: true, checks: {} });
});

test('a check that never answers is down after the timeout, without holding up the others', async () => {
  const readiness = createReadiness({ timeoutMs: 50 });
  readiness.register('kafka', () => new Promise(() => {}));
  readiness.register('store', async () => {});
  const report = await readiness.run();
  assert.equal(report.ready, false);
  assert.deepEqual(report.checks, {
    kafka: { status: 'down', detail: 'no answer within 50ms' },
    store: { status: 'up' },
  });
});

test('false or a rejected promise is down; unregistering a check removes it', async () => {
  const readiness = createReadiness();
  readiness.register('consumers-assigned', () => false);
  readiness.register('store', () => Promise.reject(new Error('ECONNREFUSED')));
  assert.deepEqual((await readiness.run()).checks, {
    'consumers-assigned': { status: 'down' },
    store: { status: 'down', detail: 'ECONNREFUSED' },
  });
  readiness.unregister('consumers-assigned');
  readiness.register('store', () => ({ ok: true }));
  assert.deepEqual(await readiness.run(), { ready: true, checks: { store: { status: 'up' } } });
});
