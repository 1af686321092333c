// A service's health as the page colours it: ready (200 from /health/ready), live but not ready (it answered, with
// another status), down (no answer).
import type { ServiceNode } from '../../src/console-state.ts';

export type Health = 'ready' | 'not-ready' | 'down';

export function healthOf(service: ServiceNode | undefined): Health {
  if (service === undefined || !service.live) return 'down';
  return service.ready ? 'ready' : 'not-ready';
}

export const HEALTH_LABELS: Readonly<Record<Health, string>> = {
  ready: 'ready',
  'not-ready': 'live, not ready',
  down: 'down',
};

/** Why a service is not ready: its failing checks, or the connection error. */
export function healthDetail(service: ServiceNode | undefined): string {
  if (service === undefined) return 'not polled';
  if (!service.live) return service.error ?? 'no answer';
  const failing = Object.entries(service.checks)
    .filter(([, check]) => check.status === 'down')
    .map(([name, check]) => (check.detail === undefined ? name : `${name}: ${check.detail}`));
  return failing.length === 0 ? (service.ready ? 'all checks up' : 'not ready') : failing.join('; ');
}
