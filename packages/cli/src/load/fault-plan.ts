// The --faults plan of a load run: "broker@8s,stock-service@16s": which component is killed (SIGKILL) how long
// after the first order. Parsed and checked before anything starts, so a wrong plan costs no run.
import { parseDuration } from '@orderflow/platform';
import { serviceDefinitions } from '../services.ts';
import { UsageError } from '../usage-error.ts';

export interface PlannedFault {
  readonly component: string;
  /** Milliseconds after the run's first arrival. */
  readonly atMs: number;
}

/**
 * What can be killed: the processes orderflow up supervises. Redis is not one of them (up connects to the Redis
 * of REDIS_URL, it never starts one), so it cannot be killed and restarted from here.
 */
export const FAULT_COMPONENTS: readonly string[] = ['broker', ...serviceDefinitions.map((service) => service.name)];

export function parseFaultPlan(text: string, durationMs: number): PlannedFault[] {
  const faults = text.split(',').map((item) => parseFault(item.trim(), durationMs));
  return faults.sort((a, b) => a.atMs - b.atMs);
}

function parseFault(item: string, durationMs: number): PlannedFault {
  const match = /^([a-z-]+)@(.+)$/.exec(item);
  if (match === null) {
    throw new UsageError(`orderflow load: --faults takes component@time items such as broker@8s, got '${item}'`);
  }
  const [, component, time] = match as unknown as [string, string, string];
  if (component === 'redis') {
    throw new UsageError(
      "orderflow load: --faults cannot kill 'redis': orderflow up uses the Redis of REDIS_URL and does not start one",
    );
  }
  if (!FAULT_COMPONENTS.includes(component)) {
    throw new UsageError(
      `orderflow load: --faults: unknown component '${component}' (known: ${FAULT_COMPONENTS.join(', ')})`,
    );
  }
  // As for --duration, a unit is required: a bare number would be read as milliseconds.
  const atMs = /[a-z]\s*$/i.test(time) ? parseDuration(time) : undefined;
  if (atMs === undefined || atMs < 0) {
    throw new UsageError(`orderflow load: --faults: '${item}' needs a time such as 8s or 1.5m, got '${time}'`);
  }
  if (atMs >= durationMs) {
    throw new UsageError(
      `orderflow load: --faults: ${item} is not within the run (--duration ${durationMs / 1000}s): faults happen while orders are sent`,
    );
  }
  return { component, atMs };
}
