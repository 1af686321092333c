// The --faults plan: what it accepts, in time order, and the one-line usage error for everything it refuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFaultPlan } from '../src/load/fault-plan.ts';

test('a plan is component@time items, sorted by time, ties in the order given', () => {
  assert.deepEqual(parseFaultPlan('stock-service@0.4m, broker@8s,order-service@24000ms', 30_000), [
    { component: 'broker', atMs: 8000 },
    { component: 'stock-service', atMs: 24_000 },
    { component: 'order-service', atMs: 24_000 },
  ]);
});

test('an unknown component, redis, a bad time or a time beyond the run is a usage error', () => {
  const cases: [string, RegExp][] = [
    ['kafka@2s', /unknown component 'kafka' \(known: broker, order-service, stock-service, notification-service, /],
    ['redis@1s', /cannot kill 'redis': orderflow up uses the Redis of REDIS_URL/],
    ['broker@soon', /'broker@soon' needs a time such as 8s/],
    ['broker@2', /'broker@2' needs a time/],
    ['broker', /component@time items such as broker@8s, got 'broker'/],
    ['broker@10s', /broker@10s is not within the run \(--duration 10s\)/],
  ];
  for (const [plan, message] of cases) {
    assert.throws(
      () => parseFaultPlan(plan, 10_000),
      (error: Error & { code?: string }) => error.code === 'ERR_USAGE' && message.test(error.message),
      plan,
    );
  }
});
