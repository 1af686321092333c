// Metrics export with the OpenTelemetry JS SDK; imported only by startTelemetry() when an endpoint is set and
// OTEL_METRICS_EXPORTER is not `none`. A MeterProvider whose periodic reader pushes over OTLP/HTTP what the
// prom-client bridge reads from the service's registries (see prometheus-metric-producer.ts for why a bridge).
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { Registry } from 'prom-client';
import { createPrometheusMetricProducer } from './prometheus-metric-producer.ts';
import { serviceResource } from './service-resource.ts';
import type { TelemetryConfig, TelemetryOptions } from './start-telemetry.ts';

export interface OtelMetrics {
  /** Exports once more (so the last counts are not lost) and stops. */
  shutdown(): Promise<void>;
}

export async function createOtelMetrics(
  config: TelemetryConfig,
  options: TelemetryOptions,
  registries: ReadonlySet<Registry>,
): Promise<OtelMetrics> {
  const provider = new MeterProvider({
    resource: serviceResource(options.serviceName),
    readers: [
      new PeriodicExportingMetricReader({
        exporter: await exporterFor(config),
        exportIntervalMillis: config.OTEL_METRIC_EXPORT_INTERVAL,
        // The SDK refuses a timeout longer than the interval; the specification's defaults are 60 s and 30 s.
        exportTimeoutMillis: Math.min(config.OTEL_METRIC_EXPORT_TIMEOUT, config.OTEL_METRIC_EXPORT_INTERVAL),
        metricProducers: [createPrometheusMetricProducer(() => registries)],
      }),
    ],
  });
  return { shutdown: () => provider.shutdown() };
}

/**
 * The exporters read OTEL_EXPORTER_OTLP_ENDPOINT (adding /v1/metrics), OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, headers
 * and timeout themselves. The bridged series are cumulative, as Prometheus counts are.
 */
async function exporterFor(config: TelemetryConfig): Promise<PushMetricExporter> {
  if (config.OTEL_EXPORTER_OTLP_PROTOCOL === 'http/json') {
    const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
    return new OTLPMetricExporter();
  }
  const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-proto');
  return new OTLPMetricExporter();
}
