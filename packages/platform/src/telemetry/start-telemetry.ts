import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { telemetryConfigSpec } from './telemetry-config.ts';
import { setActiveTracing } from './tracing.ts';

export type TelemetryConfig = Config<typeof telemetryConfigSpec>;

export interface Telemetry {
  /** True when spans are exported. */
  readonly enabled: boolean;
  /** Exports the spans still buffered; call it last in shutdown, after the producer and consumer closed. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /** `service.name` unless OTEL_SERVICE_NAME is set. */
  readonly serviceName: string;
  readonly log: Logger;
}

/**
 * Starts exporting spans when OTEL_EXPORTER_OTLP_ENDPOINT is set. Without it nothing is imported: the SDK and the
 * exporters are loaded here, on demand, so a default start stays as light as before.
 */
export async function startTelemetry(config: TelemetryConfig, options: TelemetryOptions): Promise<Telemetry> {
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT === undefined) return { enabled: false, shutdown: async () => {} };
  const { createOtelTracing } = await import('./otel-tracing.ts');
  const tracing = await createOtelTracing(config, options);
  setActiveTracing(tracing);
  options.log.info(
    {
      endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
      protocol: config.OTEL_EXPORTER_OTLP_PROTOCOL,
      sampler: config.OTEL_TRACES_SAMPLER,
    },
    'exporting traces over OTLP',
  );
  return {
    enabled: true,
    async shutdown() {
      setActiveTracing(undefined);
      await tracing.shutdown();
    },
  };
}
