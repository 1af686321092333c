import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { addMetricSource } from './telemetry/metric-sources.ts';

/**
 * A service's Prometheus registry and the instruments shared across packages. Each call makes a fresh registry (not
 * prom-client's global one), so tests can build several apps in one process. Served on /metrics, and exported over
 * OTLP as well when startTelemetry() (called first) exports metrics.
 */
export interface Metrics {
  readonly registry: Registry;
  /** HTTP request duration in seconds, by method, route pattern and status code. */
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Events handled successfully, by topic and consumer group. */
  readonly eventsConsumed: Counter<'topic' | 'group'>;
  /** Handler attempts that failed and were retried. */
  readonly eventsRetried: Counter<'topic' | 'group'>;
  /** Events sent to a dead-letter topic, with the error code that put them there. */
  readonly eventsDeadLettered: Counter<'topic' | 'group' | 'code'>;
  /** Messages behind the partition's high watermark. */
  readonly consumerLag: Gauge<'topic' | 'group' | 'partition'>;
  /** Time from send to broker acknowledgement, in seconds. */
  readonly publishDuration: Histogram<'topic'>;
}

export interface MetricsOptions {
  /** Added as a `service` label to every series. */
  readonly service?: string;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.service !== undefined) registry.setDefaultLabels({ service: options.service });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  addMetricSource(registry);
  return Object.freeze({
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    eventsConsumed: new Counter({
      name: 'orderflow_events_consumed_total',
      help: 'Events handled successfully',
      labelNames: ['topic', 'group'] as const,
      registers,
    }),
    eventsRetried: new Counter({
      name: 'orderflow_events_retried_total',
      help: 'Event handler attempts that failed and were retried',
      labelNames: ['topic', 'group'] as const,
      registers,
    }),
    eventsDeadLettered: new Counter({
      name: 'orderflow_events_dead_lettered_total',
      help: 'Events sent to a dead-letter topic',
      labelNames: ['topic', 'group', 'code'] as const,
      registers,
    }),
    consumerLag: new Gauge({
      name: 'orderflow_consumer_lag',
      help: 'Messages between the committed offset and the high watermark',
      labelNames: ['topic', 'group', 'partition'] as const,
      registers,
    }),
    publishDuration: new Histogram({
      name: 'orderflow_publish_duration_seconds',
      help: 'Time from send to broker acknowledgement in seconds',
      labelNames: ['topic'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  });
}
