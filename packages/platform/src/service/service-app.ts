import { createHttpApp, type HttpApp } from '../http/create-http-app.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { createReadiness, type ReadinessCheck } from '../readiness.ts';
import { type KafkaStatus, registerKafkaReadiness } from './kafka-status.ts';

/** What every service's buildApp receives; its AppDeps extends this with what only it needs. */
export interface ServiceAppDeps<ServiceStore extends { ping(): Promise<unknown> }> {
  readonly log: Logger;
  /** Readiness check `store`: the service's store answers. */
  readonly store: ServiceStore;
  /** Readiness checks `kafka` and `consumer`. */
  readonly kafka: KafkaStatus;
  readonly metrics: Metrics;
}

export interface ServiceAppOptions extends ServiceAppDeps<{ ping(): Promise<unknown> }> {
  /** The service's name: /health/live reports it, the consumer check's detail names its group by it. */
  readonly name: string;
  /** Checks only this service has, after the three every service has (order-service's `kafka-producer`). */
  readonly checks?: Readonly<Record<string, ReadinessCheck>>;
}

/**
 * The HTTP base of a consumer service: platform's app with the readiness checks every service reports under the same
 * names (`store`, `kafka`, `consumer`), so a probe or a dashboard reads all four services alike. The service adds its
 * routes to what this returns.
 */
export function createServiceApp(options: ServiceAppOptions): HttpApp {
  const { log, name, metrics, store, kafka } = options;
  const readiness = createReadiness();
  readiness.register('store', () => store.ping());
  registerKafkaReadiness(readiness, kafka, name);
  for (const [checkName, check] of Object.entries(options.checks ?? {})) readiness.register(checkName, check);
  return createHttpApp({ log, name, readiness, metrics });
}
