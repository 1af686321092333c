import assert from 'node:assert/strict';
import type { CheckResult } from '../readiness.ts';

/** What GET /health/ready can be asked through: a Fastify app's inject(). */
export interface ReadinessProbe {
  inject(request: { method: 'GET'; url: string }): PromiseLike<{ statusCode: number; json(): unknown }>;
}

/**
 * Asserts GET /health/ready reports exactly the given checks with the given states, answering 200 `ready` when all
 * are up and 503 `not-ready` otherwise. Returns the checks, for assertions on a check's `detail`.
 */
export async function assertReadiness(
  app: ReadinessProbe,
  expected: Readonly<Record<string, CheckResult['status']>>,
): Promise<Record<string, CheckResult>> {
  const response = await app.inject({ method: 'GET', url: '/health/ready' });
  const body = response.json() as { status: string; checks: Record<string, CheckResult> };
  const states = Object.fromEntries(Object.entries(body.checks).map(([name, check]) => [name, check.status]));
  assert.deepEqual(states, expected);
  const ready = Object.values(expected).every((status) => status === 'up');
  assert.equal(response.statusCode, ready ? 200 : 503);
  assert.equal(body.status, ready ? 'ready' : 'not-ready');
  return body.checks;
}
