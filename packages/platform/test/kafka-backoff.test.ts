import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRetryPolicy, resolveRetryPolicy, retryDelayMs, sleepUnlessAborted } from '../src/kafka/backoff.ts';

const policy = { maxAttempts: 10, initialDelayMs: 100, maxDelayMs: 5000 };

test('the delay doubles with each failure, between half and all of the exponential ceiling', () => {
  const ceilings = [100, 200, 400, 800, 1600, 3200];
  ceilings.forEach((ceiling, index) => {
    const failures = index + 1;
    assert.equal(
      retryDelayMs(failures, policy, () => 0),
      ceiling / 2,
      `lowest after ${failures}`,
    );
    assert.equal(
      retryDelayMs(failures, policy, () => 1),
      ceiling,
      `highest after ${failures}`,
    );
  });
});

test('the delay never exceeds maxDelayMs however many failures', () => {
  assert.equal(
    retryDelayMs(7, policy, () => 1),
    5000,
  );
  assert.equal(
    retryDelayMs(60, policy, () => 1),
    5000,
  );
  assert.equal(
    retryDelayMs(60, policy, () => 0),
    2500,
  );
});

test('jitter spreads delays of consumers failing at the same time', () => {
  const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(4, policy)));
  assert.ok(delays.size > 10, `only ${delays.size} distinct delays`);
  for (const delay of delays) {
    assert.ok(delay >= 400 && delay <= 800, String(delay));
  }
});

test('the default policy is 5 attempts from 100 ms up to 5 s, and overrides are validated', () => {
  assert.deepEqual({ ...defaultRetryPolicy }, { maxAttempts: 1000, initialDelayMs: 100, maxDelayMs: 5000 });
  assert.deepEqual(
    { ...resolveRetryPolicy({ maxAttempts: 2 }) },
    { maxAttempts: 2, initialDelayMs: 100, maxDelayMs: 5000 },
  );
  for (const bad of [
    { maxAttempts: 0 },
    { maxAttempts: 1.5 },
    { initialDelayMs: -1 },
    { initialDelayMs: 10, maxDelayMs: 5 },
  ]) {
    assert.throws(() => resolveRetryPolicy(bad), { code: 'KAFKA_CONFIG_INVALID' }, JSON.stringify(bad));
  }
});

test('a backoff sleep ends early, reporting false, when shutdown aborts it', async () => {
  const controller = new AbortController();
  const sleeping = sleepUnlessAborted(60_000, controller.signal);
  controller.abort();
  assert.equal(await sleeping, false);
  assert.equal(await sleepUnlessAborted(1, new AbortController().signal), true);
  assert.equal(await sleepUnlessAborted(1, controller.signal), false);
});
