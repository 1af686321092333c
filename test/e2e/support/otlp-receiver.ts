import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// An OTLP/HTTP receiver (https://opentelemetry.io/docs/specs/otlp/#otlphttp) in the test process: it accepts
// POST /v1/traces and /v1/metrics, decodes http/json bodies into spans and metric points and keeps the raw bodies of
// the others (http/protobuf).

export interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP's SpanKind: 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
}

/** One data point of an exported metric. */
export interface ReceivedMetricPoint {
  readonly service: string;
  readonly name: string;
  readonly unit: string;
  /** Which OTLP data field carried it. */
  readonly type: 'sum' | 'gauge' | 'histogram';
  /** Sums only. */
  readonly isMonotonic: boolean;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  /** A sum's or gauge's value; a histogram's count. */
  readonly value: number;
  /** Histograms only: the finite bucket bounds and the count in each bucket (one more than bounds). */
  readonly explicitBounds: readonly number[];
  readonly bucketCounts: readonly number[];
}

export interface ReceivedRequest {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

export interface OtlpReceiver {
  /** OTEL_EXPORTER_OTLP_ENDPOINT for the exporters: they append /v1/traces and /v1/metrics. */
  readonly endpoint: string;
  readonly spans: readonly ReceivedSpan[];
  /** Every point of every metrics export, in arrival order (cumulative series repeat with each export). */
  readonly metricPoints: readonly ReceivedMetricPoint[];
  readonly requests: readonly ReceivedRequest[];
  close(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}

interface OtlpNumberPoint {
  attributes?: { key: string; value: OtlpValue }[];
  asDouble?: number;
  asInt?: string | number;
}

interface OtlpHistogramPoint {
  attributes?: { key: string; value: OtlpValue }[];
  count?: string | number;
  bucketCounts?: (string | number)[];
  explicitBounds?: number[];
}

interface OtlpJsonMetricsRequest {
  resourceMetrics?: {
    resource?: { attributes?: { key: string; value: OtlpValue }[] };
    scopeMetrics?: {
      metrics?: {
        name: string;
        unit?: string;
        sum?: { dataPoints?: OtlpNumberPoint[]; isMonotonic?: boolean };
        gauge?: { dataPoints?: OtlpNumberPoint[] };
        histogram?: { dataPoints?: OtlpHistogramPoint[] };
      }[];
    }[];
  }[];
}

interface OtlpJsonRequest {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: OtlpValue }[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: { key: string; value: OtlpValue }[];
        status?: { code?: number };
      }[];
    }[];
  }[];
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const metricPoints: ReceivedMetricPoint[] = [];
  const requests: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const contentType = request.headers['content-type'] ?? '';
      const path = request.url ?? '';
      if (request.method !== 'POST' || (path !== '/v1/traces' && path !== '/v1/metrics')) {
        response.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks);
      requests.push({ path, contentType, body });
      if (contentType.startsWith('application/json')) {
        const decoded: unknown = JSON.parse(body.toString('utf8'));
        if (path === '/v1/traces') spans.push(...decodeJson(decoded as OtlpJsonRequest));
        else metricPoints.push(...decodeMetricsJson(decoded as OtlpJsonMetricsRequest));
      }
      response.writeHead(200, { 'content-type': contentType }).end(contentType.includes('json') ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    metricPoints,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function decodeJson(request: OtlpJsonRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name']);
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        service,
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        kind: span.kind,
        attributes: attributesOf(span.attributes),
        statusCode: span.status?.code ?? 0,
      })),
    );
  });
}

function decodeMetricsJson(request: OtlpJsonMetricsRequest): ReceivedMetricPoint[] {
  return (request.resourceMetrics ?? []).flatMap((resourceMetrics) => {
    const service = String(attributesOf(resourceMetrics.resource?.attributes)['service.name']);
    return (resourceMetrics.scopeMetrics ?? []).flatMap((scope) =>
      (scope.metrics ?? []).flatMap((metric): ReceivedMetricPoint[] => {
        const base = { service, name: metric.name, unit: metric.unit ?? '', explicitBounds: [], bucketCounts: [] };
        const numbers = (
          type: 'sum' | 'gauge',
          points: OtlpNumberPoint[] | undefined,
          isMonotonic: boolean,
        ): ReceivedMetricPoint[] =>
          (points ?? []).map((point) => ({
            ...base,
            type,
            isMonotonic,
            attributes: attributesOf(point.attributes),
            value: point.asDouble ?? Number(point.asInt ?? 0),
          }));
        if (metric.sum) return numbers('sum', metric.sum.dataPoints, metric.sum.isMonotonic === true);
        if (metric.gauge) return numbers('gauge', metric.gauge.dataPoints, false);
        return (metric.histogram?.dataPoints ?? []).map((point) => ({
          ...base,
          type: 'histogram' as const,
          isMonotonic: false,
          attributes: attributesOf(point.attributes),
          value: Number(point.count ?? 0),
          explicitBounds: point.explicitBounds ?? [],
          bucketCounts: (point.bucketCounts ?? []).map(Number),
        }));
      }),
    );
  });
}

function attributesOf(
  list: { key: string; value: OtlpValue }[] | undefined,
): Record<string, string | number | boolean> {
  return Object.fromEntries(
    (list ?? []).map(({ key, value }) => [
      key,
      value.stringValue ??
        (value.intValue === undefined ? undefined : Number(value.intValue)) ??
        value.doubleValue ??
        value.boolValue ??
        '',
    ]),
  );
}
