import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { PlatformErrors } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Readiness } from '../readiness.ts';
import { PROBLEM_CONTENT_TYPE, problemFromAppError, renderProblem } from './problem.ts';
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
  })
    .withTypeProvider<TypeBoxTypeProvider>()
    .setValidatorCompiler(TypeBoxValidatorCompiler);

  // JSON is the only body format; without the default text/plain parser Fastify answers 415 for anything else.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });

  app.addHook('onResponse', async (request, reply) => {
    // Unmatched paths share one label so scanners cannot blow up the series count.
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    metrics.httpRequestDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
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
    return reply
      .code(report.ready ? 200 : 503)
      .send({ status: report.ready ? 'ready' : 'not-ready', checks: report.checks });
  });

  app.get('/metrics', PROBE_ROUTE, async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return app;
}
