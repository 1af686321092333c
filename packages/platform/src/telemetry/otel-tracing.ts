// The Tracing seam implemented with the OpenTelemetry JS SDK; imported only by startTelemetry() when an endpoint is
// set. Span names and attributes follow the semantic conventions for HTTP servers
// (https://opentelemetry.io/docs/specs/semconv/http/http-spans/) and Kafka messaging
// (https://opentelemetry.io/docs/specs/semconv/messaging/kafka/). Parents come from the W3C traceparent strings the
// platform already passes along (HTTP header, Kafka record header), so one order is one trace across the services.
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { formatTraceparent, parseTraceparent } from '../kafka/traceparent.ts';
import { serviceResource } from './service-resource.ts';
import type { TelemetryConfig, TelemetryOptions } from './start-telemetry.ts';
import type { TracedSpan, Tracing } from './tracing.ts';

export async function createOtelTracing(config: TelemetryConfig, options: TelemetryOptions): Promise<Tracing> {
  const provider = new TracerProvider({
    resource: serviceResource(options.serviceName),
    sampler: samplerOf(config),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: await exporterFor(config),
        scheduledDelayMillis: config.OTEL_BSP_SCHEDULE_DELAY,
      }),
    ],
  });
  const tracer = provider.getTracer('orderflow');
  const start = (name: string, kind: SpanKind, parent: string | Buffer | undefined, attributes: Attributes) =>
    traced(tracer.startSpan(name, { kind, attributes }, parentContext(parent)));

  return {
    serverSpan({ method, route, path, parent }) {
      const attributes: Attributes = { 'http.request.method': method, 'url.path': path };
      if (route !== undefined) attributes['http.route'] = route;
      return start(route === undefined ? method : `${method} ${route}`, SpanKind.SERVER, parent, attributes);
    },
    producerSpan({ topic, key, parent }) {
      return start(`send ${topic}`, SpanKind.PRODUCER, parent, {
        ...messaging(topic, 'send'),
        ...(key === undefined ? {} : { 'messaging.kafka.message.key': key.toString() }),
      });
    },
    consumerSpan({ topic, groupId, partition, offset, key, parent }) {
      return start(`process ${topic}`, SpanKind.CONSUMER, parent, {
        ...messaging(topic, 'process'),
        'messaging.consumer.group.name': groupId,
        'messaging.destination.partition.id': String(partition),
        'messaging.kafka.offset': Number(offset),
        ...(key === undefined ? {} : { 'messaging.kafka.message.key': key.toString() }),
      });
    },
    shutdown: () => provider.shutdown(),
  };
}

function messaging(topic: string, operation: 'send' | 'process'): Attributes {
  return {
    'messaging.system': 'kafka',
    'messaging.destination.name': topic,
    'messaging.operation.type': operation,
    'messaging.operation.name': operation,
  };
}

/** The exporters read OTEL_EXPORTER_OTLP_ENDPOINT (adding /v1/traces), headers and timeout themselves. */
async function exporterFor(config: TelemetryConfig): Promise<SpanExporter> {
  if (config.OTEL_EXPORTER_OTLP_PROTOCOL === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter();
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter();
}

function samplerOf(config: TelemetryConfig): Sampler {
  const ratio = () => new TraceIdRatioBasedSampler(Number(config.OTEL_TRACES_SAMPLER_ARG ?? '1'));
  switch (config.OTEL_TRACES_SAMPLER) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
  }
}

function parentContext(traceparent: string | Buffer | undefined): Context {
  const parent = parseTraceparent(traceparent);
  if (parent === undefined) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parent.traceId,
    spanId: parent.parentId,
    traceFlags: Number.parseInt(parent.flags, 16),
    isRemote: true,
  });
}

function traced(span: Span): TracedSpan {
  const context = span.spanContext();
  return {
    // The SDK gives even an unsampled span an id of its own, so the chain of parents stays intact downstream.
    traceparent: formatTraceparent({
      traceId: context.traceId,
      parentId: context.spanId,
      flags: context.traceFlags.toString(16).padStart(2, '0'),
    }),
    setAttribute: (name, value) => void span.setAttribute(name, value),
    fail(error) {
      const code = (error as { code?: unknown } | null)?.code;
      span.setAttribute('error.type', typeof code === 'string' ? code : error instanceof Error ? error.name : 'Error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    },
    end: () => span.end(),
  };
}
