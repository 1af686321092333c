import type { Registry } from 'prom-client';

// The seam between the services' prom-client registries and the OpenTelemetry metrics export, like tracing.ts is for
// spans: createMetrics() hands its registry here, and it is kept only while startTelemetry() exports metrics, so a
// process without an OTLP endpoint (or a test building many apps) holds on to nothing. A service therefore starts
// telemetry before it creates its metrics, as every main.ts does.

let sources: Set<Registry> | undefined;

/** Called by createMetrics(): the registry's metrics are exported too when metrics export is on. */
export function addMetricSource(registry: Registry): void {
  sources?.add(registry);
}

/** The registries created from now on; startTelemetry() reads them at every export. */
export function collectMetricSources(): ReadonlySet<Registry> {
  sources = new Set();
  return sources;
}

export function stopCollectingMetricSources(): void {
  sources = undefined;
}
