import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import { pino } from 'pino';
import {
  ConfigError,
  createMetrics,
  loadConfig,
  startTelemetry,
  startTraceparent,
  telemetryConfigSpec,
  traceIdOf,
} from '../src/index.ts';
import { activeTracing } from '../src/telemetry/tracing.ts';

const log = pino({ level: 'silent' });

test('without OTEL_EXPORTER_OTLP_ENDPOINT no OpenTelemetry SDK module is loaded, nothing is traced or exported', () => {
  // A fresh process records every module it resolves while importing the platform and starting telemetry. The API
  // package is no SDK: prom-client loads it for its exemplars whatever we do.
  const script = `
    import { registerHooks } from 'node:module';
    const resolved = [];
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); resolved.push(r.url); return r; } });
    const platform = await import('@orderflow/platform');
    const config = platform.loadConfig(platform.telemetryConfigSpec, {});
    const telemetry = await platform.startTelemetry(config, { serviceName: 'x', log: { info() {} } });
    platform.createMetrics().eventsConsumed.inc({ topic: 't', group: 'g' });
    console.log(JSON.stringify({ enabled: telemetry.enabled, otel: resolved.filter((url) => url.includes('/@opentelemetry/') && !url.includes('/@opentelemetry/api/')) }));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('../', import.meta.url),
    encoding: 'utf8',
  });
  const report = JSON.parse(output) as { enabled: boolean; otel: string[] };
  assert.equal(report.enabled, false);
  assert.deepEqual(report.otel, []);
});

test('the OTEL_ variables are validated like every other setting', () => {
  assert.throws(
    () => loadConfig(telemetryConfigSpec, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
    (error: unknown) => error instanceof ConfigError && /OTEL_EXPORTER_OTLP_PROTOCOL="grpc"/.test(error.message),
  );
  assert.throws(() => loadConfig(telemetryConfigSpec, { OTEL_TRACES_SAMPLER_ARG: '1.5' }), ConfigError);
  const defaults = loadConfig(telemetryConfigSpec, {});
  assert.equal(defaults.OTEL_EXPORTER_OTLP_PROTOCOL, 'http/protobuf');
  assert.equal(defaults.OTEL_TRACES_SAMPLER, 'parentbased_always_on');
});

test('with an endpoint, spans go out as OTLP http/protobuf by default and continue the given traceparent', async (t) => {
  const { endpoint, received } = await startReceiver(t);
  const config = loadConfig(telemetryConfigSpec, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
  const telemetry = await startTelemetry(config, { serviceName: 'telemetry-test', log });
  assert.equal(telemetry.enabled, true);
  const parent = startTraceparent();
  const span = activeTracing()?.producerSpan({ topic: 'order-topic', key: 'o-1', parent });
  assert.ok(span);
  assert.equal(traceIdOf(span.traceparent), traceIdOf(parent), 'the same trace');
  assert.notEqual(span.traceparent.split('-')[2], parent.split('-')[2], 'a span of its own');
  span.end();
  await telemetry.shutdown();
  assert.equal(activeTracing(), undefined, 'shutdown stops tracing');

  // Shutdown resolves once the buffered spans were exported and answered.
  const bodies = received.filter((request) => request.path === '/v1/traces');
  assert.equal(bodies.length, 1);
  const [request] = bodies;
  assert.equal(request?.contentType, 'application/x-protobuf');
  // Protobuf keeps strings as UTF-8 and ids as raw bytes: the span's name, service and trace id are in the body.
  for (const text of ['send order-topic', 'telemetry-test', 'messaging.destination.name']) {
    assert.ok(request?.body.includes(text), `the export carries ${text}`);
  }
  assert.ok(request?.body.includes(Buffer.from(traceIdOf(parent) as string, 'hex')), 'the export carries the trace id');
});

interface ReceivedExport {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** An OTLP/HTTP endpoint that answers every export with success and keeps what it was sent. */
async function startReceiver(t: TestContext): Promise<{ endpoint: string; received: ReceivedExport[] }> {
  const received: ReceivedExport[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const contentType = request.headers['content-type'] ?? '';
      received.push({ path: request.url ?? '', contentType, body: Buffer.concat(chunks) });
      response.writeHead(200, { 'content-type': contentType }).end(contentType.includes('json') ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The exporters read their endpoint from the environment, as the SDK specification has it.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
  t.after(() => delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
  return { endpoint, received };
}

interface JsonMetric {
  name: string;
  unit?: string;
  sum?: { dataPoints: JsonPoint[]; isMonotonic?: boolean; aggregationTemporality?: number };
  gauge?: { dataPoints: JsonPoint[] };
  histogram?: { dataPoints: JsonPoint[]; aggregationTemporality?: number };
}

interface JsonPoint {
  attributes?: { key: string; value: { stringValue?: string } }[];
  asDouble?: number;
  count?: number | string;
  sum?: number;
  bucketCounts?: (number | string)[];
  explicitBounds?: number[];
}

test('with an endpoint, the prom-client registry is exported as OTLP metrics: sums, gauges, per-bucket histograms', async (t) => {
  const { endpoint, received } = await startReceiver(t);
  const config = loadConfig(telemetryConfigSpec, {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // No periodic export during the test: shutdown exports once, so there is exactly one body to read.
    OTEL_METRIC_EXPORT_INTERVAL: '1h',
  });
  const before = createMetrics({ service: 'made-before-telemetry' });
  before.eventsConsumed.inc({ topic: 'order-topic', group: 'before' });
  const telemetry = await startTelemetry(config, { serviceName: 'telemetry-metrics-test', log });
  const metrics = createMetrics({ service: 'telemetry-metrics-test' });
  metrics.eventsConsumed.inc({ topic: 'order-topic', group: 'stock-service' }, 3);
  metrics.consumerLag.set({ topic: 'order-topic', group: 'stock-service', partition: '1' }, 7);
  // Buckets 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 (+Inf): the third, the eighth, overflow.
  for (const seconds of [0.003, 0.2, 30]) metrics.publishDuration.observe({ topic: 'order-topic' }, seconds);
  await telemetry.shutdown();

  const exports = received.filter((request) => request.path === '/v1/metrics');
  assert.equal(exports.length, 1, 'one export, at shutdown');
  assert.match(exports[0]!.contentType, /^application\/json/);
  const body = JSON.parse(exports[0]!.body.toString('utf8')) as {
    resourceMetrics: {
      resource: { attributes: { key: string; value: { stringValue?: string } }[] };
      scopeMetrics: { metrics: JsonMetric[] }[];
    }[];
  };
  assert.equal(body.resourceMetrics.length, 1);
  const [resourceMetrics] = body.resourceMetrics;
  const serviceName = resourceMetrics!.resource.attributes.find((attribute) => attribute.key === 'service.name');
  assert.equal(serviceName?.value.stringValue, 'telemetry-metrics-test');
  const byName = new Map(resourceMetrics!.scopeMetrics.flatMap((scope) => scope.metrics).map((m) => [m.name, m]));
  const attributes = (point: JsonPoint | undefined) =>
    Object.fromEntries((point?.attributes ?? []).map(({ key, value }) => [key, value.stringValue]));

  const consumed = byName.get('orderflow_events_consumed_total');
  assert.equal(consumed?.sum?.isMonotonic, true);
  assert.equal(consumed?.sum?.aggregationTemporality, 2, 'cumulative, as Prometheus counts are');
  assert.equal(consumed?.sum?.dataPoints.length, 1, 'only the registry made after startTelemetry is exported');
  assert.equal(consumed?.sum?.dataPoints[0]?.asDouble, 3);
  assert.deepEqual(attributes(consumed?.sum?.dataPoints[0]), { topic: 'order-topic', group: 'stock-service' });

  const lag = byName.get('orderflow_consumer_lag');
  assert.equal(lag?.gauge?.dataPoints[0]?.asDouble, 7);
  assert.deepEqual(attributes(lag?.gauge?.dataPoints[0]), {
    topic: 'order-topic',
    group: 'stock-service',
    partition: '1',
  });

  const publish = byName.get('orderflow_publish_duration_seconds');
  assert.equal(publish?.unit, 's');
  const histogram = publish?.histogram?.dataPoints[0];
  assert.deepEqual(histogram?.explicitBounds, [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);
  assert.deepEqual(histogram?.bucketCounts?.map(Number), [0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.equal(Number(histogram?.count), 3);
  assert.ok(Math.abs((histogram?.sum ?? 0) - 30.203) < 1e-9);
  assert.deepEqual(attributes(histogram), { topic: 'order-topic' });

  assert.ok(byName.has('nodejs_eventloop_lag_seconds'), 'the runtime metrics come along');
  assert.equal(byName.has('orderflow_events_retried_total'), false, 'a metric without series exports no points');
});

test('metrics go out as http/protobuf by default, and OTEL_METRICS_EXPORTER=none exports traces only', async (t) => {
  const { endpoint, received } = await startReceiver(t);
  for (const exporter of ['otlp', 'none']) {
    const config = loadConfig(telemetryConfigSpec, {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_METRICS_EXPORTER: exporter,
      OTEL_METRIC_EXPORT_INTERVAL: '1h',
    });
    const telemetry = await startTelemetry(config, { serviceName: `metrics-${exporter}`, log });
    createMetrics().eventsConsumed.inc({ topic: 'order-topic', group: exporter });
    activeTracing()?.producerSpan({ topic: 'order-topic', key: undefined, parent: undefined }).end();
    await telemetry.shutdown();
  }
  const metricExports = received.filter((request) => request.path === '/v1/metrics');
  assert.equal(metricExports.length, 1);
  assert.equal(metricExports[0]?.contentType, 'application/x-protobuf');
  for (const text of ['orderflow_events_consumed_total', 'metrics-otlp']) {
    assert.ok(metricExports[0]?.body.includes(text), `the export carries ${text}`);
  }
  const traceExports = received.filter((request) => request.path === '/v1/traces');
  assert.equal(traceExports.length, 2, 'both exported their span');
  assert.ok(traceExports.some((request) => request.body.includes('metrics-none')));
});
