import { Counter, type Registry } from 'prom-client';

export interface AnalyticsMetrics {
  /**
   * Events handled, by CloudEvent type and outcome: counted, duplicate (its id was counted before: a redelivery), or
   * ignored (a type analytics does not count).
   */
  readonly events: Counter<'type' | 'outcome'>;
}

export function createAnalyticsMetrics(registry: Registry): AnalyticsMetrics {
  return Object.freeze({
    events: new Counter({
      name: 'analytics_events_total',
      help: 'Events handled by analytics-service, by type and outcome (counted, duplicate, ignored)',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
  });
}
