import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createReadiness, PlatformErrors } from '../src/index.ts';

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

test('a down check carries the code of the AppError it threw or returned, and the report the first such code', async () => {
  const readiness = createReadiness();
  readiness.register('store', () => {
    throw Object.assign(new Error('socket closed'), { code: 'ECONNREFUSED' });
  });
  readiness.register('kafka', () => {
    throw PlatformErrors.create('KAFKA_BROKER_UNSUPPORTED', 'Kafka broker lacks Fetch v13+');
  });
  readiness.register('consumer', () => ({ ok: false, code: 'KAFKA_BROKER_UNSUPPORTED', detail: 'too old' }));
  const report = await readiness.run();
  assert.equal(report.ready, false);
  assert.equal(report.code, 'KAFKA_BROKER_UNSUPPORTED');
  assert.deepEqual(report.checks, {
    // A socket error's code is not an error code of ours: it stays in the detail only.
    store: { status: 'down', detail: 'socket closed' },
    kafka: { status: 'down', detail: 'Kafka broker lacks Fetch v13+', code: 'KAFKA_BROKER_UNSUPPORTED' },
    consumer: { status: 'down', detail: 'too old', code: 'KAFKA_BROKER_UNSUPPORTED' },
  });
});
