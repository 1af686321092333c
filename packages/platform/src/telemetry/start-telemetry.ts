import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { collectMetricSources, stopCollectingMetricSources } from './metric-sources.ts';
import type { telemetryConfigSpec } from './telemetry-config.ts';
import { setActiveTracing } from './tracing.ts';

export type TelemetryConfig = Config<typeof telemetryConfigSpec>;

export interface Telemetry {
  /** True when spans (and, unless OTEL_METRICS_EXPORTER=none, metrics) are exported. */
  readonly enabled: boolean;
  /** Exports the spans still buffered and the metrics once more; call it last in shutdown. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /** `service.name` unless OTEL_SERVICE_NAME is set. */
  readonly serviceName: string;
  readonly log: Logger;
}

/**
 * Starts exporting spans and metrics when OTEL_EXPORTER_OTLP_ENDPOINT is set. Without it nothing is imported: the SDK
 * and the exporters are loaded here, on demand, so a default start stays as light as before. Call it before
 * createMetrics(): the registries created afterwards are the ones whose metrics are exported.
 */
export async function startTelemetry(config: TelemetryConfig, options: TelemetryOptions): Promise<Telemetry> {
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT === undefined) return { enabled: false, shutdown: async () => {} };
  const { createOtelTracing } = await import('./otel-tracing.ts');
  const tracing = await createOtelTracing(config, options);
  setActiveTracing(tracing);
  let metrics: { shutdown(): Promise<void> } | undefined;
  if (config.OTEL_METRICS_EXPORTER === 'otlp') {
    const { createOtelMetrics } = await import('./otel-metrics.ts');
    metrics = await createOtelMetrics(config, options, collectMetricSources());
  }
  options.log.info(
    {
      endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
      protocol: config.OTEL_EXPORTER_OTLP_PROTOCOL,
      sampler: config.OTEL_TRACES_SAMPLER,
      metricsIntervalMs: metrics === undefined ? undefined : config.OTEL_METRIC_EXPORT_INTERVAL,
    },
    metrics === undefined ? 'exporting traces over OTLP' : 'exporting traces and metrics over OTLP',
  );
  return {
    enabled: true,
    async shutdown() {
      setActiveTracing(undefined);
      await Promise.all([tracing.shutdown(), metrics?.shutdown()]);
      stopCollectingMetricSources();
    },
  };
}
