import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { type PlatformErrorCode, PlatformErrors } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Readiness } from '../readiness.ts';
import { serverSpanOf, setServerSpan } from '../telemetry/request-traceparent.ts';
import { activeTracing } from '../telemetry/tracing.ts';
import { PROBLEM_CONTENT_TYPE, problemFromAppError, problemType, renderProblem } from './problem.ts';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id.ts';

export type HttpApp = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger, TypeBoxTypeProvider>;

export interface HttpAppOptions {
  readonly log: Logger;
  /** Service name, reported by /health/live. */
  readonly name: string;
  readonly readiness: Readiness;
  readonly metrics: Metrics;
  /** Largest accepted request body in bytes; 16 KiB unless a service needs more. */
  readonly bodyLimit?: number;
}

export const DEFAULT_BODY_LIMIT = 16 * 1024;

const PROBE_ROUTE = { logLevel: 'warn' } as const;
/** Probes and scrapes every few seconds would bury the traces of real requests. */
const UNTRACED_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * The HTTP base every service builds on: health and metrics endpoints, request ids, JSON-only bodies, and every
 * error rendered as application/problem+json. Building is separate from listening; main.ts calls listen().
 */
export function createHttpApp(options: HttpAppOptions): HttpApp {
  const { log, name, readiness, metrics } = options;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;

  const app = Fastify({
    loggerInstance: log,
    bodyLimit,
    genReqId: requestIdFor,
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    return503OnClosing: true,
    // A URL the router cannot decode (`/orders/%00%ff`) or a parameter over its length limit never reaches the error
    // handler: without this Fastify answers them with its own JSON.
    frameworkErrors: (error, request, reply: FastifyReply) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      const { problem } = renderProblem(error, request, bodyLimit);
      void reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
    },
    clientErrorHandler: answerClientError,
  })
    .withTypeProvider<TypeBoxTypeProvider>()
    .setValidatorCompiler(TypeBoxValidatorCompiler);

  // JSON is the only body format; without the default text/plain parser Fastify answers 415 for anything else.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    const tracing = activeTracing();
    if (tracing === undefined || UNTRACED_ROUTES.has(request.routeOptions.url ?? '')) return;
    const incoming = request.headers.traceparent;
    setServerSpan(
      request,
      tracing.serverSpan({
        method: request.method,
        route: request.is404 ? undefined : request.routeOptions.url,
        path: request.url.split('?')[0] ?? request.url,
        parent: Array.isArray(incoming) ? incoming[0] : incoming,
      }),
    );
  });

  app.addHook('onResponse', async (request, reply) => {
    // Unmatched paths share one label so scanners cannot blow up the series count.
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    metrics.httpRequestDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    const span = serverSpanOf(request);
    if (span !== undefined) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setAttribute('error.type', String(reply.statusCode));
      span.end();
    }
  });

  app.setErrorHandler(async (error, request, reply) => {
    const { problem, retryAfterSeconds, unexpected } = renderProblem(error, request, bodyLimit);
    if (unexpected !== undefined) request.log.error({ err: unexpected, code: problem.code }, 'request failed');
    if (retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.ceil(retryAfterSeconds)));
    return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  });

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0];
    const problem = problemFromAppError(
      PlatformErrors.create('NOT_FOUND', `No route for ${request.method} ${path}`),
      request,
    );
    return reply.code(404).type(PROBLEM_CONTENT_TYPE).send(problem);
  });

  app.get('/health/live', PROBE_ROUTE, async () => ({ status: 'ok', service: name }));

  app.get('/health/ready', PROBE_ROUTE, async (_request, reply) => {
    const report = await readiness.run();
    return reply.code(report.ready ? 200 : 503).send({
      status: report.ready ? 'ready' : 'not-ready',
      ...(report.code === undefined ? {} : { code: report.code }),
      checks: report.checks,
    });
  });

  app.get('/metrics', PROBE_ROUTE, async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return app;
}

// Node's parser rejects these before a request exists (no route, no request id): the answer is written to the socket.
const CLIENT_ERROR_CODES: Readonly<Record<string, PlatformErrorCode>> = { HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE' };

/** Answers a request Node's HTTP parser refused (bad request line, oversized headers) with a problem, then closes. */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection or one already answered has no one to tell.
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const code = (error.code === undefined ? undefined : CLIENT_ERROR_CODES[error.code]) ?? 'BAD_REQUEST';
  const definition = PlatformErrors.definitions[code];
  const body = JSON.stringify({
    type: problemType(code),
    title: definition.title,
    status: definition.status,
    detail: `The request could not be parsed (${error.code ?? 'parse error'})`,
    instance: '',
    code,
  });
  socket.end(
    `HTTP/1.1 ${definition.status} ${definition.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
