import type { FastifyError, FastifyRequest } from 'fastify';
import { type AppError, type FieldError, isAppError, PlatformErrors } from '../errors.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem details, plus our stable `code` that clients branch on. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: string;
  readonly requestId: string;
  readonly errors?: readonly FieldError[];
}

export interface RenderedProblem {
  readonly problem: ProblemDetails;
  readonly retryAfterSeconds: number | undefined;
  /** The original error when it is unexpected and must be logged with its stack. */
  readonly unexpected: unknown;
}

/** A stable URI per code; a URN because the problem types are documented here, not served anywhere. */
export function problemType(code: string): string {
  return `urn:orderflow:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

export function problemFromAppError(error: AppError, request: FastifyRequest): ProblemDetails {
  return {
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.detail,
    instance: request.url.split('?')[0]!,
    code: error.code,
    requestId: request.id,
    ...(error.errors === undefined ? {} : { errors: error.errors }),
  };
}

/** Maps anything thrown in a request (our AppErrors, Fastify's own errors, bugs) to the problem a client sees. */
export function renderProblem(error: unknown, request: FastifyRequest, bodyLimit: number): RenderedProblem {
  const known = isAppError(error) ? error : fromFastifyError(error as FastifyError, request, bodyLimit);
  const appError = known ?? PlatformErrors.create('INTERNAL', 'An unexpected error occurred; it has been logged.');
  return {
    problem: problemFromAppError(appError, request),
    retryAfterSeconds: appError.retryAfterSeconds,
    unexpected: known === undefined || appError.status >= 500 ? error : undefined,
  };
}

function fromFastifyError(error: FastifyError, request: FastifyRequest, bodyLimit: number): AppError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if (Array.isArray(error.validation)) {
    const location = error.validationContext ?? 'body';
    const errors = fieldErrors(error.validation, location);
    const detail = errors.map((e) => `${e.location}${e.pointer} ${e.message}`).join('; ');
    return PlatformErrors.create('VALIDATION_FAILED', detail, { errors });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return PlatformErrors.create(
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')} is not supported; send application/json`,
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return PlatformErrors.create('PAYLOAD_TOO_LARGE', `Request body exceeds ${bodyLimit} bytes`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return PlatformErrors.create('MALFORMED_JSON', 'Request body is empty but Content-Type is application/json');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return PlatformErrors.create('MALFORMED_JSON', error.message);
    case 'FST_ERR_BAD_URL':
      return PlatformErrors.create('MALFORMED_URL', `${request.url.split('?')[0]} is not a valid URL`);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return PlatformErrors.create('URI_TOO_LONG', 'A path segment of the URL is too long');
  }
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return PlatformErrors.create('MALFORMED_JSON', error.message);
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return PlatformErrors.create('BAD_REQUEST', error.message);
  }
  return undefined;
}

interface ValidationIssue {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly schemaPath?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

// TypeBox reports every failed branch of a union and a `false` schema under additionalProperties next to the
// summary error; clients want one line per field, so the summaries are kept and the noise dropped.
function fieldErrors(issues: readonly ValidationIssue[], location: string): FieldError[] {
  const unionPaths = issues
    .filter((i) => i.keyword === 'anyOf' || i.keyword === 'oneOf')
    .map((i) => `${i.schemaPath}/`);
  const errors: FieldError[] = [];
  for (const issue of issues) {
    const schemaPath = issue.schemaPath ?? '';
    if (unionPaths.some((p) => schemaPath.startsWith(p))) continue;
    if (issue.keyword === 'boolean' && schemaPath.endsWith('/additionalProperties')) continue;
    const base = issue.instancePath ?? '';
    const message = unionOfConstants(issue, issues) ?? issue.message ?? 'is invalid';
    const required = issue.keyword === 'required' ? issue.params?.requiredProperties : undefined;
    const extra = issue.keyword === 'additionalProperties' ? issue.params?.additionalProperties : undefined;
    if (Array.isArray(required)) {
      for (const name of required) errors.push({ location, pointer: `${base}/${name}`, message: 'is required' });
    } else if (Array.isArray(extra)) {
      for (const name of extra) errors.push({ location, pointer: `${base}/${name}`, message: 'is not allowed' });
    } else {
      errors.push({ location, pointer: base, message });
    }
  }
  return errors;
}

// A union of literals fails with "must match a schema in anyOf"; naming the allowed values is what a client needs.
function unionOfConstants(issue: ValidationIssue, issues: readonly ValidationIssue[]): string | undefined {
  if (issue.keyword !== 'anyOf' && issue.keyword !== 'oneOf') return undefined;
  const prefix = `${issue.schemaPath}/`;
  const branches = issues.filter((i) => i.schemaPath?.startsWith(prefix) && i.instancePath === issue.instancePath);
  if (branches.length === 0 || !branches.every((b) => b.keyword === 'const')) return undefined;
  return `must be one of ${branches.map((b) => JSON.stringify(b.params?.allowedValue)).join(', ')}`;
}
