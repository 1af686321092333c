import { defineConfig } from '../config.ts';

// The OpenTelemetry variables that decide whether and how spans and metrics are exported, with the names and meanings of the
// OpenTelemetry SDK environment specification. The exporter reads the rest of OTEL_EXPORTER_OTLP_* (headers,
// timeout, a traces-only endpoint) itself; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES go into the resource.

export const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export const telemetryConfigSpec = defineConfig({
  /** Unset: no span is made and no OpenTelemetry SDK module is loaded. */
  OTEL_EXPORTER_OTLP_ENDPOINT: { type: 'url', optional: true, protocols: ['http', 'https'] },
  /** OTLP over HTTP; gRPC is not offered. */
  OTEL_EXPORTER_OTLP_PROTOCOL: { type: 'enum', values: ['http/protobuf', 'http/json'], default: 'http/protobuf' },
  /** Overrides the service's own name as `service.name`. */
  OTEL_SERVICE_NAME: { type: 'string', optional: true },
  OTEL_TRACES_SAMPLER: { type: 'enum', values: TRACES_SAMPLERS, default: 'parentbased_always_on' },
  /** The ratio of the traceidratio samplers, from 0 to 1. */
  OTEL_TRACES_SAMPLER_ARG: {
    type: 'string',
    optional: true,
    pattern: /^(?:0(?:\.\d+)?|1(?:\.0+)?|\.\d+)$/,
    allowed: 'a number from 0 to 1',
  },
  /** How long finished spans wait to be exported together (milliseconds). */
  OTEL_BSP_SCHEDULE_DELAY: { type: 'duration', default: 5000, min: 1, max: 600_000 },
  /** `none` keeps traces but exports no metrics (they stay on /metrics). */
  OTEL_METRICS_EXPORTER: { type: 'enum', values: ['otlp', 'none'], default: 'otlp' },
  /** Time between two metric exports (milliseconds). */
  OTEL_METRIC_EXPORT_INTERVAL: { type: 'duration', default: 60_000, min: 1, max: 3_600_000 },
  /** How long one metric export may take (milliseconds); at most the interval. */
  OTEL_METRIC_EXPORT_TIMEOUT: { type: 'duration', default: 30_000, min: 1, max: 3_600_000 },
});
