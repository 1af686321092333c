import type { FastifyRequest } from 'fastify';
import { continueTraceparent } from '../kafka/traceparent.ts';
import type { TracedSpan } from './tracing.ts';

const serverSpans = new WeakMap<FastifyRequest, TracedSpan>();

export function setServerSpan(request: FastifyRequest, span: TracedSpan): void {
  serverSpans.set(request, span);
}

export function serverSpanOf(request: FastifyRequest): TracedSpan | undefined {
  return serverSpans.get(request);
}

/**
 * The traceparent for what a request causes (the events it publishes): its HTTP server span when traces are
 * exported, otherwise a child of the caller's `traceparent` header, or a new trace without one.
 */
export function requestTraceparent(request: FastifyRequest): string {
  const span = serverSpans.get(request);
  if (span !== undefined) return span.traceparent;
  const incoming = request.headers.traceparent;
  return continueTraceparent(Array.isArray(incoming) ? incoming[0] : incoming);
}
