import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { pino } from 'pino';
import {
  ConfigError,
  loadConfig,
  startTelemetry,
  startTraceparent,
  telemetryConfigSpec,
  traceIdOf,
} from '../src/index.ts';
import { activeTracing } from '../src/telemetry/tracing.ts';

const log = pino({ level: 'silent' });

test('without OTEL_EXPORTER_OTLP_ENDPOINT no OpenTelemetry SDK module is loaded and nothing is traced', () => {
  // A fresh process records every module it resolves while importing the platform and starting telemetry. The API
  // package is no SDK: prom-client loads it for its exemplars whatever we do.
  const script = `
    import { registerHooks } from 'node:module';
    const resolved = [];
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); resolved.push(r.url); return r; } });
    const platform = await import('@orderflow/platform');
    const config = platform.loadConfig(platform.telemetryConfigSpec, {});
    const telemetry = await platform.startTelemetry(config, { serviceName: 'x', log: { info() {} } });
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
  const bodies: { contentType: string; body: Buffer }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        bodies.push({ contentType: request.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
      }
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // The exporter reads its endpoint from the environment, as the SDK specification has it.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
  t.after(() => delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
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

  for (let waited = 0; bodies.length === 0 && waited < 5000; waited += 50) await delay(50);
  assert.equal(bodies.length, 1);
  const [request] = bodies;
  assert.equal(request?.contentType, 'application/x-protobuf');
  // Protobuf keeps strings as UTF-8 and ids as raw bytes: the span's name, service and trace id are in the body.
  for (const text of ['send order-topic', 'telemetry-test', 'messaging.destination.name']) {
    assert.ok(request?.body.includes(text), `the export carries ${text}`);
  }
  assert.ok(request?.body.includes(Buffer.from(traceIdOf(parent) as string, 'hex')), 'the export carries the trace id');
});
